using System.Net;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>
/// Request smuggling (D2): an ambiguous message is rejected with 400 and the connection closed, so nothing
/// hidden in it reaches the backend as a second request; the node keeps serving other clients.
/// </summary>
public sealed class SmugglingSpec
{
    public static TheoryData<string, string> Attempts => new()
    {
        {
            "CL.TE",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nSMUGGLED"
        },
        {
            "TE.CL",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n"
        },
        {
            "TE obfuscated",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: xchunked\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n"
        },
        {
            "duplicate CL",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n"
        },
        {
            "space before colon",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"
        },
        {
            "bad chunk size",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n"
        },
    };

    [Theory]
    [MemberData(nameof(Attempts))]
    public async Task AmbiguousMessage_NeverReachesTheBackendAsASecondRequest(string name, string attack)
    {
        _ = name;
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        using (var client = new RawClient(node.Public()))
        {
            client.Send(attack + "GET /smuggled2 HTTP/1.1\r\nHost: h\r\n\r\n");
            var response = await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));
            Assert.Matches("^HTTP/1.1 (400|501) ", response);
            Assert.Equal(1, CountOccurrences(response, "HTTP/1.1 "));
        }
        Assert.DoesNotContain(backend.Requests, r => r.Head.Contains("smuggled", StringComparison.OrdinalIgnoreCase));

        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(node.BaseUri())).StatusCode);
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
            count++;
        return count;
    }
}
