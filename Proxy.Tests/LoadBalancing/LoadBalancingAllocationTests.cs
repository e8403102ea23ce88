using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;
using Xunit;

namespace Proxy.Tests.LoadBalancing;

public class LoadBalancingAllocationTests
{
    public static TheoryData<LoadBalancingPolicyKind> AllKinds => new(Enum.GetValues<LoadBalancingPolicyKind>());

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Pick_DoesNotAllocate_OnceWarm(LoadBalancingPolicyKind kind)
    {
        var policy = LoadBalancingPolicies.Create(kind);
        var backends = TestBackends.WithWeights(3, 1, 2, 1);
        var keyed = new LoadBalancingContext("client-1");
        var retry = new LoadBalancingContext("client-2", backends[0]);
        // Warm up caches (schedule, ring) and the thread's Random; rebuilds triggered by other tests changing
        // backends concurrently are excluded by retrying the measurement.
        long allocated = -1;
        for (var attempt = 0; attempt < 5 && allocated != 0; attempt++)
        {
            for (var i = 0; i < 1_000; i++) { policy.Pick(backends, keyed); policy.Pick(backends, retry); }
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1_000; i++) { policy.Pick(backends, keyed); policy.Pick(backends, retry); policy.Pick(backends, default); }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(0, allocated);
    }
}
