using Xunit;
using System.Net.Http.Headers;
using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;

namespace Proxy.Tests.Admin;

/// <summary>
/// Two real nodes joined into one cluster with an admin token, and two pools over two real backends:
/// <c>api</c> is only read by the tests, <c>edit</c> is the one they drain and re-weight (and restore); one rate limit
/// (keyed by a header the tests never send) for <c>pbm limits</c>.
/// </summary>
public sealed class AdminClusterFixture : IAsyncLifetime
{
    public const string Token = "test-admin-token-6f1c";

    public ControllableBackend A { get; private set; } = null!;
    public ControllableBackend B { get; private set; } = null!;
    public TestCluster Cluster { get; private set; } = null!;

    public ProxyNode Node(int i) => Cluster[i];

    public string AdminHost(int i) => $"127.0.0.1:{Cluster[i].Admin.Port}";

    public async Task InitializeAsync()
    {
        A = await ControllableBackend.StartAsync("a");
        B = await ControllableBackend.StartAsync("b");
        Cluster = await TestCluster.StartAsync(2, $$"""
            admin { token = "{{Token}}" }
            pools {
              api { policy = least-requests, backends = [ "{{A.Address}}", "{{B.Address}}" ] }
              edit { policy = weighted-round-robin, backends = [ "{{A.Address}}", "{{B.Address}}" ] }
            }
            routes = [ { name = default, pool = api } ]
            rate-limits = [ { name = per-api-key-daily-eu, key = "header:X-Api-Key", rate = "100000/min", burst = 100000 } ]
            """);
        await Eventually.Holds(() => Cluster.Running.All(n => n.Runtime.Current.Pools.Values.All(p => p.Backends.All(b => b.ClusterState is not null))),
            TimeSpan.FromSeconds(15), "every node has both pools' state");
    }

    /// <summary>A client of node <paramref name="i"/>'s admin listener; <paramref name="token"/> null sends none.</summary>
    public HttpClient Admin(int i, string? token = Token)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri($"http://{AdminHost(i)}/"),
            Timeout = TimeSpan.FromSeconds(15),
        };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
