using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;
using Xunit;

namespace Proxy.Tests.LoadBalancing;

public class LeastRequestsLoadBalancingPolicyTests
{
    private static ILoadBalancingPolicy Policy() => LoadBalancingPolicies.Create(LoadBalancingPolicyKind.LeastRequests);

    private static void Load(LoadBalancedBackend backend, int requests)
    {
        for (var i = 0; i < requests; i++) backend.BeginRequest();
    }

    [Fact]
    public void LeastRequests_PicksTheLeastLoadedBackend()
    {
        var policy = Policy();
        var backends = TestBackends.Create(3);
        Load(backends[0], 5);
        Load(backends[1], 2);
        Load(backends[2], 7);

        for (var i = 0; i < 100; i++) Assert.Equal(1, policy.Pick(backends, default));
    }

    [Fact]
    public void LeastRequests_Ties_RotateInsteadOfFavouringTheFirst()
    {
        Assert.Equal([100, 100, 100], TestBackends.CountPicks(Policy(), TestBackends.Create(3), 300));
    }

    [Fact]
    public void LeastRequests_FollowsLoadAsRequestsStartAndEnd()
    {
        var policy = Policy();
        var backends = TestBackends.Create(3);

        // Holding every picked request open fills the backends evenly.
        for (var i = 0; i < 30; i++) backends[policy.Pick(backends, default)].BeginRequest();
        Assert.Equal([10, 10, 10], backends.Select(b => b.InFlight).ToArray());

        for (var i = 0; i < 5; i++) backends[2].EndRequest();
        // Backend 2 is now five requests behind, so it takes the next five.
        for (var i = 0; i < 5; i++)
        {
            var picked = policy.Pick(backends, default);
            Assert.Equal(2, picked);
            backends[picked].BeginRequest();
        }
    }

    [Fact]
    public void LeastRequests_SkipsAnUnavailableIdleBackend()
    {
        var policy = Policy();
        var backends = TestBackends.Create(3);
        Load(backends[0], 3);
        Load(backends[1], 1);
        backends[2].Available = false;

        Assert.Equal(1, policy.Pick(backends, default));
    }
}
