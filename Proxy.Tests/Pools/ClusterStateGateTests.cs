using Proxy.Actors.Admin;
using Proxy.Actors.Pools;
using Xunit;

namespace Proxy.Tests.Pools;

public class ClusterStateGateTests
{
    [Fact]
    public void TheGateOpensWhenEveryPoolHasItsState_AndNotBefore()
    {
        var gate = new ClusterStateGate(["api", "static"]);

        gate.StateReceived("api");
        gate.StateReceived("api");
        Assert.False(gate.Open.IsCompleted);
        Assert.Equal(["static"], gate.Missing);

        gate.StateReceived("static");
        Assert.True(gate.Open.IsCompleted);
        Assert.True(gate.HasAllState);
        Assert.Empty(gate.Missing);
    }

    [Fact]
    public void ANodeWithoutPools_IsOpenAtOnce()
    {
        var gate = new ClusterStateGate([]);

        Assert.True(gate.Open.IsCompleted);
        Assert.True(gate.HasAllState);
    }

    [Fact]
    public async Task PastTheTimeout_TheGateOpens_NamesTheMissingPools_AndTheNodeIsNotReadyUntilTheyArrive()
    {
        var gate = new ClusterStateGate(["api", "static"]);
        var readiness = new NodeReadiness { ListenersBound = true, MemberUp = true, ClusterState = gate };
        gate.StateReceived("static");
        IReadOnlyList<string>? named = null;

        gate.ExpireAfter(TimeSpan.FromMilliseconds(50), missing => named = missing);
        await gate.Open.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(["api"], named);
        Assert.False(readiness.Ready);
        Assert.Equal("no cluster state yet for pool(s) api (serving with the config's defaults)", readiness.NotReadyReason);
        gate.StateReceived("api");
        Assert.True(readiness.Ready);
        Assert.Null(readiness.NotReadyReason);
    }
}
