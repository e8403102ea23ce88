using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;
using Xunit;

namespace Proxy.Tests.LoadBalancing;

public class RandomLoadBalancingPolicyTests
{
    [Fact]
    public void Random_CoversAllBackendsRoughlyEvenly()
    {
        var counts = TestBackends.CountPicks(
            LoadBalancingPolicies.Create(LoadBalancingPolicyKind.Random), TestBackends.Create(5), 10_000);

        // Expected 2,000 each; the bounds are over 10 standard deviations wide.
        foreach (var count in counts) Assert.InRange(count, 1_500, 2_500);
    }
}
