using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;
using Xunit;

namespace Proxy.Tests.LoadBalancing;

public class RoundRobinLoadBalancingPolicyTests
{
    private static ILoadBalancingPolicy Policy() => LoadBalancingPolicies.Create(LoadBalancingPolicyKind.RoundRobin);

    [Fact]
    public void RoundRobin_VisitsBackendsInOrder()
    {
        var policy = Policy();
        var backends = TestBackends.Create(3);

        var order = Enumerable.Range(0, 6).Select(_ => policy.Pick(backends, default)).ToArray();

        Assert.Equal([0, 1, 2, 0, 1, 2], order);
    }

    [Fact]
    public void RoundRobin_SpreadsEvenly()
    {
        Assert.Equal([1_000, 1_000, 1_000, 1_000], TestBackends.CountPicks(Policy(), TestBackends.Create(4), 4_000));
    }

    [Fact]
    public void RoundRobin_WithABackendDown_SpreadsEvenlyOverTheRest()
    {
        var backends = TestBackends.Create(4);
        backends[1].Available = false;

        Assert.Equal([1_000, 0, 1_000, 1_000], TestBackends.CountPicks(Policy(), backends, 3_000));
    }

    [Fact]
    public void RoundRobin_FromManyThreads_StaysExactlyEven()
    {
        var policy = Policy();
        var backends = TestBackends.Create(3);
        var counts = new int[3];

        Parallel.For(0, 300_000, _ => Interlocked.Increment(ref counts[policy.Pick(backends, default)]));

        Assert.Equal([100_000, 100_000, 100_000], counts);
    }
}
