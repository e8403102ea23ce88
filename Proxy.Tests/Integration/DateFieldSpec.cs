using System.Net;
using System.Text;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>RFC 9110 §6.6.1: a response forwarded without a <c>Date</c> gets one (a recipient with a clock MUST add it);
/// one that has a Date keeps the origin's; the node's own answers carry one.</summary>
public sealed class DateFieldSpec
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false });

    [Fact]
    public async Task AForwardedResponseWithoutDate_GetsTheTimeItWasReceived_AndOneWithDate_KeepsIt()
    {
        await using var backend = new RawBackend(r => Encoding.ASCII.GetBytes(r.RequestLine.Contains("/dated")
            ? "HTTP/1.1 200 OK\r\nDate: Tue, 01 Dec 2026 10:00:00 GMT\r\nContent-Length: 2\r\n\r\nok"
            : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        await using var node = await TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            routes = [ { name = r, pool = main, match { path-prefix = "/" } } ]
            """);

        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var undated = await Client.GetAsync(new Uri(node.BaseUri(), "/undated"));
        var dated = await Client.GetAsync(new Uri(node.BaseUri(), "/dated"));

        var added = Assert.Single(undated.Headers.GetValues("Date"));
        Assert.True(DateTimeOffset.TryParse(added, out var when), added);
        Assert.InRange(when, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal("Tue, 01 Dec 2026 10:00:00 GMT", Assert.Single(dated.Headers.GetValues("Date")));
    }

    [Fact]
    public async Task TheNodesOwnAnswer_CarriesADate()
    {
        await using var node = await TestNode.StartAsync("""
            pools { main { backends = [ "127.0.0.1:9" ] } }
            routes = [ { name = r, pool = main, match { path-prefix = "/only/" } } ]
            """);
        var response = await Client.GetAsync(new Uri(node.BaseUri(), "/elsewhere"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.NotNull(response.Headers.Date);
    }
}
