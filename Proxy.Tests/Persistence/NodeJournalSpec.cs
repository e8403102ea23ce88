using System.Net;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Proxy.Actors.Persistence;
using Proxy.Actors.Pools;
using Proxy.Node.Hosting;
using Proxy.Shared.Pools;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Persistence;

/// <summary>A real node's journal: where it goes and what survives a restart.</summary>
public sealed class NodeJournalSpec
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Drain_And_Weight_SurviveAFullRestartOfTheNode()
    {
        var dataDir = TestDataDirectory.Create();
        // Nothing listens on these ports and the pool has no health checks: only admin changes move them.
        var body = TestNode.PoolFor(9, 10) + $"\ndata-dir = {TestDataDirectory.Hocon(dataDir)}";

        AdminChangeResult weighted;
        await using (var node = await TestNode.StartAsync(body))
        {
            var drained = await Region(node).Ask<AdminChangeResult>(new DrainBackend("main", "127.0.0.1:9"), AskTimeout);
            weighted = await Region(node).Ask<AdminChangeResult>(new SetBackendWeight("main", "127.0.0.1:10", 4), AskTimeout);
            Assert.True(drained.Ok, drained.Message);
            Assert.True(weighted.Ok, weighted.Message);
        }
        Assert.True(File.Exists(Path.Combine(dataDir, PersistenceHocon.SqliteFileName)));

        await using var restarted = await TestNode.StartAsync(body);
        var state = await Region(restarted).Ask<PoolState>(new GetPoolState("main"), AskTimeout);
        Assert.True(state.Backends.Single(b => b.Address == "127.0.0.1:9").Drained);
        Assert.Equal(4, state.Backends.Single(b => b.Address == "127.0.0.1:10").Weight);
        Assert.False(state.Backends.Single(b => b.Address == "127.0.0.1:10").Drained);
        // The state version does not start again after the restart: it is above every version seen before.
        Assert.True(state.Version > weighted.Version, $"version {state.Version} after the restart, {weighted.Version} before");
    }

    [Fact]
    public async Task FreshNodeWithDefaults_CreatesDataProxyDbUnderItsWorkingDirectory()
    {
        var workingDirectory = TestDataDirectory.Create();
        var port = PortFinder.Free();
        var admin = PortFinder.Free();
        await using var node = NodeProcess.Start($$"""
            proxy {
              listeners = [ { name = public, address = "127.0.0.1:{{port}}", mode = reverse } ]
              admin { address = "127.0.0.1:{{admin}}" }
              access-log { enabled = off }
              pools { main { backends = [ "127.0.0.1:9" ] } }
              routes = [ { name = default, pool = main } ]
            }
            """, workingDirectory: workingDirectory);
        await node.WaitReadyAsync(admin, TimeSpan.FromSeconds(30));

        Assert.True(File.Exists(Path.Combine(workingDirectory, "data", PersistenceHocon.SqliteFileName)), node.Stderr);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{admin}/ready")).StatusCode);
    }

    private static IActorRef Region(ProxyNode node) =>
        ClusterSharding.Get(node.System).ShardRegion(BackendPoolMessageExtractor.RegionName);
}
