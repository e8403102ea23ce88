using System.Net;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>Every bad-input path through a real listener: a clear status, the connection closed, the node still serving.</summary>
public sealed class BadInputSpec
{
    public static TheoryData<string, int> Cases => new()
    {
        { "GET / HTTP/1.1\r\n\r\n", 400 },                                         // no Host
        { "GET / HTTP/1.1\nHost: h\n\n", 400 },                                   // bare LF
        { "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400 },                   // obs-fold
        { "GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n", 400 },               // invalid name
        { "GET / HTTP/1.1\r\nHost: h\r\nX: a\u0001b\r\n\r\n", 400 },               // CTL in value
        { "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505 },
        { "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501 },
        { "GET /" + new string('a', 9000) + " HTTP/1.1\r\nHost: h\r\n\r\n", 414 },
        { "GET / HTTP/1.1\r\nHost: h\r\nX: " + new string('a', 70000) + "\r\n\r\n", 431 },
        { "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", 400 },
        { "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
        { "GET /p#fragment HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MalformedRequest_GetsItsStatusAndTheNodeKeepsServing(string request, int status)
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        using (var client = new RawClient(node.Public()))
        {
            client.Send(request);
            var response = await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));
            Assert.StartsWith($"HTTP/1.1 {status} ", response);
            Assert.Contains("Connection: close", response);
        }
        Assert.Empty(backend.Requests);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(node.BaseUri())).StatusCode);
    }

    [Fact]
    public async Task BodyOverTheConfiguredLimit_Gets413()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port) + "\nlimits { max-body-size = 1k }");
        using var client = new RawClient(node.Public());
        client.Send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 413 ", await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(backend.Requests);
    }
}
