using Akka.TestKit.Xunit2;
using Proxy.Actors.Pools;
using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;
using Proxy.Shared.Pools;
using Xunit;

namespace Proxy.Tests.Pools;

/// <summary>
/// Issue 12: one pick for HTTP exchanges and L4 routes (<see cref="PoolRuntime.Pick"/>). A half-open backend takes at
/// most its trials at once; with them in flight the pick goes to another backend, or to none. The backends' state
/// comes from a PoolState sent to the pool's agent, as the cluster sends it.
/// </summary>
public sealed class PoolPickSpec() : TestKit("akka.actor.provider = cluster")
{
    private static PoolRuntime Pool(params string[] backends) => new(ProxyConfigLoader.LoadText($$"""
        proxy {
          listeners = [ { name = public, address = "127.0.0.1:0" } ]
          pools { api { policy = round-robin, breaker { half-open-trials = 1 },
            backends = [ {{string.Join(", ", backends.Select(b => $"\"{b}\""))}} ] } }
          routes = [ { name = r, pool = api } ]
        }
        """, new Dictionary<string, string?>()).Settings!.Pools["api"]);

    private async Task Apply(PoolRuntime pool, params BackendState[] backends)
    {
        var agent = Sys.ActorOf(PoolAgent.Props(pool));
        agent.Tell(new PoolState("api", "inc1", 1, backends), TestActor);
        await AwaitConditionAsync(() => Task.FromResult(pool.LastClusterState is not null));
    }

    private static BackendState State(string address, BreakerState breaker) =>
        new(address, true, breaker, false, 1, false, 0, 0, 0);

    [Fact]
    public async Task AHalfOpenBackendWithItsTrialInFlight_IsPassedOver()
    {
        using var pool = Pool("127.0.0.1:9001", "127.0.0.1:9002");
        await Apply(pool, State("127.0.0.1:9001", BreakerState.HalfOpen), State("127.0.0.1:9002", BreakerState.Closed));
        var trial = pool.Backends.Single(b => b.Address == "127.0.0.1:9001");
        trial.BeginRequest(); // its one trial is in flight

        for (var i = 0; i < 10; i++)
            Assert.Equal("127.0.0.1:9002", pool.Pick(new LoadBalancingContext())!.Address);

        trial.EndRequest();
        var picked = Enumerable.Range(0, 10).Select(_ => pool.Pick(new LoadBalancingContext())!.Address).ToHashSet();
        Assert.Contains("127.0.0.1:9001", picked);
    }

    [Fact]
    public async Task WithOnlyAHalfOpenBackendBusyWithItsTrial_ThereIsNoPick()
    {
        using var pool = Pool("127.0.0.1:9001");
        await Apply(pool, State("127.0.0.1:9001", BreakerState.HalfOpen));
        Assert.NotNull(pool.Pick(new LoadBalancingContext()));
        pool.Backends[0].BeginRequest();
        Assert.Null(pool.Pick(new LoadBalancingContext()));
    }
}
