using System.Net;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Clustering;

/// <summary>
/// C2: a node serves only as a cluster member with the cluster's state of its pools. Once it is a member it
/// waits up to <c>startup.state-timeout</c> for that state; then it serves with the config's defaults and
/// <c>/ready</c> says why it is not ready. A node that never joins never serves.
/// </summary>
public sealed class StartupStateSpec
{
    private static string Body(int backendPort) => $$"""
        log-level = error
        startup { state-timeout = 1s }
        pools { main { backends = [ "127.0.0.1:{{backendPort}}" ] } }
        routes = [ { name = default, pool = main } ]
        """;

    [Fact]
    public async Task AMemberWhosePoolEntityCannotAnswer_ServesWithTheDefaultsAfterTheStateTimeout_AndIsNotReady()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("defaults"));
        // The journal is a PostgreSQL nobody runs: the pool's entity fails its recovery every time it starts.
        await using var node = await TestNode.StartAsync(Body(backend.Port) + $$"""

            persistence { provider = postgresql, connection-string = "Host=127.0.0.1;Port={{PortFinder.Free()}};Database=proxy;Username=proxy;Password=proxy;Timeout=1" }
            """);

        using var client = new RawClient(node.Public());
        client.Send("GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        var response = await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(15));

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.EndsWith("defaults", response);
        using var http = new HttpClient();
        using var ready = await http.GetAsync($"http://127.0.0.1:{node.Admin.Port}/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("not ready: no cluster state yet for pool(s) main (serving with the config's defaults)\n",
            await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ANodeThatCannotJoin_DoesNotServe_LongPastTheStateTimeout()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("defaults"));
        // Its only seed is a port nobody listens on: it never becomes a member.
        await using var node = await TestNode.StartAsync(Body(backend.Port), seeds: [$"127.0.0.1:{PortFinder.Free()}"]);

        using var client = new RawClient(node.Public());
        client.Send("GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        Assert.Equal("", await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(4)));
        using var http = new HttpClient();
        using var ready = await http.GetAsync($"http://127.0.0.1:{node.Admin.Port}/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("not ready: not an Up cluster member\n", await ready.Content.ReadAsStringAsync());
        Assert.Empty(backend.Requests);
    }
}
