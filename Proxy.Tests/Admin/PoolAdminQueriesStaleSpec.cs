using Proxy.Actors.Connections;
using Akka.TestKit.Xunit2;
using Proxy.Actors.Admin;
using Proxy.Actors.Pools;
using Proxy.Shared.Admin;
using Proxy.Shared.Configuration;
using Proxy.Shared.Pools;
using Proxy.Shared.Routing;
using Xunit;

namespace Proxy.Tests.Admin;

/// <summary>
/// C4: while a pool's entity does not answer (it is moving after its node left or failed), the admin API answers
/// pool reads with the node's last received state, marked as such; with none, it still says it got no answer.
/// The region is a test probe that never replies, as a region whose shard has no home yet; the last state is the
/// one the node's PoolAgent received.
/// </summary>
public sealed class PoolAdminQueriesStaleSpec() : TestKit("akka.actor.provider = cluster")
{
    private static readonly ProxySettings Settings = ProxyConfigLoader.LoadText("""
        proxy {
          listeners = [ { name = public, address = "127.0.0.1:0" } ]
          pools { api { backends = [ "127.0.0.1:9001", "127.0.0.1:9002" ] } }
          routes = [ { name = r, pool = api } ]
        }
        """, new Dictionary<string, string?>()).Settings!;

    private readonly Dictionary<string, PoolRuntime> _pools = new() { ["api"] = new PoolRuntime(Settings.Pools["api"]) };

    private PoolAdminQueries Queries()
    {
        var snapshot = new RuntimeSnapshot(Settings, RouteTable.Build(Settings.Routes), _pools);
        return new(() => snapshot, CreateTestProbe().Ref, TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task AnEntityThatDoesNotAnswer_GivesTheLastKnownStateMarkedStale()
    {
        var known = new PoolState("api", "inc1", (3L << 32) + 5,
        [
            new BackendState("127.0.0.1:9001", true, BreakerState.Closed, true, 1, false, 0, 0, 0),
            new BackendState("127.0.0.1:9002", true, BreakerState.Closed, false, 4, false, 0, 0, 0),
        ]);
        // The node's agent receives the state as it would from the entity, then the entity goes quiet.
        var agent = Sys.ActorOf(PoolAgent.Props(_pools["api"]));
        agent.Tell(known, TestActor);
        await AwaitConditionAsync(() => Task.FromResult(_pools["api"].LastClusterState is not null));

        var pool = await Queries().GetAsync("api");
        Assert.Equal(200, pool.Status);
        var view = Assert.IsType<PoolView>(pool.Body);
        Assert.Equal(known.Version, view.Version);
        Assert.True(view.Backends.Single(b => b.Address == "127.0.0.1:9001").Drained);
        Assert.Equal(4, view.Backends.Single(b => b.Address == "127.0.0.1:9002").Weight);
        Assert.StartsWith("entity moving, last known state (received ", view.Stale);

        var list = await Queries().ListAsync();
        var summary = Assert.Single(Assert.IsType<PoolList>(list.Body).Pools);
        Assert.False(summary.Answered);
        Assert.Equal(1, summary.Available);
        Assert.StartsWith("entity moving, last known state", summary.Stale);
    }

    [Fact]
    public async Task WithoutAnyState_ItIsStillNoAnswer()
    {
        var pool = await Queries().GetAsync("api");
        Assert.Equal(504, pool.Status);
        Assert.Contains("did not answer", Assert.IsType<ErrorView>(pool.Body).Error);
    }
}
