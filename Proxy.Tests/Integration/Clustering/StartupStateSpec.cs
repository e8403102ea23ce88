using System.Net;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Clustering;

/// <summary>
/// C2: without the cluster's state of its pools a node waits up to <c>startup.state-timeout</c> before it
/// serves; then it serves with the config's defaults and <c>/ready</c> says why it is not ready.
/// </summary>
public sealed class StartupStateSpec
{
    [Fact]
    public async Task ANodeThatCannotJoin_ServesWithTheDefaultsAfterTheStateTimeout_AndIsNotReady()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("defaults"));
        // Its only seed is a port nobody listens on: it never joins, so no pool entity can answer it.
        await using var node = await TestNode.StartAsync($$"""
            log-level = error
            startup { state-timeout = 1s }
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            routes = [ { name = default, pool = main } ]
            """, seeds: [$"127.0.0.1:{PortFinder.Free()}"]);

        using var client = new RawClient(node.Public());
        client.Send("GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        var response = await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.EndsWith("defaults", response);
        using var http = new HttpClient();
        using var ready = await http.GetAsync($"http://127.0.0.1:{node.Admin.Port}/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var reason = await ready.Content.ReadAsStringAsync();
        Assert.Contains("not ready:", reason);
    }
}
