using Proxy.Actors.Connections;
using Proxy.Shared.Routing;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Proxy.Actors.Admin;
using Proxy.Actors.Pools;
using Proxy.Shared.Admin;
using Proxy.Shared.Configuration;
using Proxy.Shared.Pools;
using Xunit;

namespace Proxy.Tests.Admin;

/// <summary>
/// O1: `pbm pools` counts a backend as available exactly when the picker would send it a new request — not when
/// its breaker is open, it is down, drained or ejected, or its weight is 0 while others have one. The region is a probe that answers
/// with the pool's state as the entity would.
/// </summary>
public sealed class PoolAdminQueriesSpec() : TestKit("akka.actor.provider = cluster")
{
    private static readonly ProxySettings Settings = ProxyConfigLoader.LoadText("""
        proxy {
          listeners = [ { name = public, address = "127.0.0.1:0" } ]
          pools { api { policy = round-robin, backends = [ "127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003",
            "127.0.0.1:9004", "127.0.0.1:9005", "127.0.0.1:9006", "127.0.0.1:9007" ] } }
          routes = [ { name = r, pool = api } ]
        }
        """, new Dictionary<string, string?>()).Settings!;

    [Fact]
    public async Task Available_CountsWhatThePickerWouldChoose()
    {
        var summary = await SummaryOf(
            new BackendState("127.0.0.1:9001", true, BreakerState.Closed, false, 1, false, 0, 0, 0),
            new BackendState("127.0.0.1:9002", true, BreakerState.HalfOpen, false, 3, false, 0, 0, 0),
            new BackendState("127.0.0.1:9003", true, BreakerState.Open, false, 1, false, 0, 0, 0),
            new BackendState("127.0.0.1:9004", true, BreakerState.Closed, false, 0, false, 0, 0, 0),
            new BackendState("127.0.0.1:9005", false, BreakerState.Closed, false, 1, false, 0, 0, 0),
            new BackendState("127.0.0.1:9006", true, BreakerState.Closed, true, 1, false, 0, 0, 0),
            new BackendState("127.0.0.1:9007", true, BreakerState.Closed, false, 1, true, 0, 0, 0));
        Assert.True(summary.Answered);
        Assert.Equal(7, summary.Backends);
        Assert.Equal(2, summary.Available); // 9001, and 9002 (half-open: trials go to it)
    }

    /// <summary>When no usable backend has a weight, every policy spreads over the usable ones rather than answer
    /// "none available", so they count.</summary>
    [Fact]
    public async Task Available_WhenNoUsableBackendHasAWeight_CountsTheUsableOnes()
    {
        var summary = await SummaryOf(
            new BackendState("127.0.0.1:9001", true, BreakerState.Closed, false, 0, false, 0, 0, 0),
            new BackendState("127.0.0.1:9002", true, BreakerState.Closed, false, 0, false, 0, 0, 0),
            new BackendState("127.0.0.1:9003", true, BreakerState.Open, false, 4, false, 0, 0, 0));
        Assert.Equal(2, summary.Available);
    }

    private async Task<PoolSummary> SummaryOf(params BackendState[] backends)
    {
        var state = new PoolState("api", "inc1", 7, backends);
        var region = CreateTestProbe();
        region.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is GetPoolState) sender.Tell(state);
            return AutoPilot.KeepRunning;
        }));
        var pools = new Dictionary<string, PoolRuntime> { ["api"] = new PoolRuntime(Settings.Pools["api"]) };
        var snapshot = new RuntimeSnapshot(Settings, RouteTable.Build(Settings.Routes), pools);
        var list = await new PoolAdminQueries(() => snapshot, region.Ref, TimeSpan.FromSeconds(3)).ListAsync();
        return Assert.Single(Assert.IsType<PoolList>(list.Body).Pools);
    }
}
