using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;
using Xunit;

namespace Proxy.Tests.LoadBalancing;

public class PowerOfTwoChoicesLoadBalancingPolicyTests
{
    private static ILoadBalancingPolicy Policy() => LoadBalancingPolicies.Create(LoadBalancingPolicyKind.PowerOfTwo);

    [Fact]
    public void PowerOfTwo_NeverPicksTheMostLoadedOfThreeWhenOthersAreIdle()
    {
        var backends = TestBackends.Create(3);
        for (var i = 0; i < 50; i++) backends[1].BeginRequest();

        var counts = TestBackends.CountPicks(Policy(), backends, 10_000);

        Assert.Equal(0, counts[1]);
        // Both idle backends still share the load.
        Assert.InRange(counts[0], 3_000, 7_000);
        Assert.InRange(counts[2], 3_000, 7_000);
    }

    [Fact]
    public void PowerOfTwo_WithTwoBackends_AlwaysPicksTheLessLoaded()
    {
        var policy = Policy();
        var backends = TestBackends.Create(2);
        backends[0].BeginRequest();

        for (var i = 0; i < 1_000; i++) Assert.Equal(1, policy.Pick(backends, default));
    }

    [Fact]
    public void PowerOfTwo_WithOneAvailableBackend_PicksIt()
    {
        var policy = Policy();
        var backends = TestBackends.Create(3);
        backends[0].Available = false;
        backends[1].Available = false;

        Assert.Equal(2, policy.Pick(backends, default));
    }

    [Fact]
    public void PowerOfTwo_IdleBackends_AllGetPicked()
    {
        var counts = TestBackends.CountPicks(Policy(), TestBackends.Create(5), 10_000);

        foreach (var count in counts) Assert.InRange(count, 1_500, 2_500);
    }
}
