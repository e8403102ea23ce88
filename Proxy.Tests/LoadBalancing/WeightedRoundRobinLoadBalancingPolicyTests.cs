using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;
using Xunit;

namespace Proxy.Tests.LoadBalancing;

public class WeightedRoundRobinLoadBalancingPolicyTests
{
    private static ILoadBalancingPolicy Policy() => LoadBalancingPolicies.Create(LoadBalancingPolicyKind.WeightedRoundRobin);

    private static int[] Sequence(ILoadBalancingPolicy policy, LoadBalancedBackend[] backends, int picks)
    {
        var sequence = new int[picks];
        for (var i = 0; i < picks; i++) sequence[i] = policy.Pick(backends, default);
        return sequence;
    }

    [Fact]
    public void WeightedRoundRobin_PicksInProportionToWeights()
    {
        Assert.Equal([5_000, 1_000, 1_000], TestBackends.CountPicks(Policy(), TestBackends.WithWeights(5, 1, 1), 7_000));
        Assert.Equal([1_000, 2_000, 3_000], TestBackends.CountPicks(Policy(), TestBackends.WithWeights(1, 2, 3), 6_000));
    }

    [Fact]
    public void WeightedRoundRobin_InterleavesInsteadOfSendingBursts()
    {
        var sequence = Sequence(Policy(), TestBackends.WithWeights(5, 1, 1), 700);

        // Smooth WRR yields "a a b a c a a" per cycle: never more than four a's in a row even across cycles,
        // where a grouped schedule ("a a a a a b c") would send five.
        var longestRun = 1;
        for (int i = 1, run = 1; i < sequence.Length; i++)
        {
            run = sequence[i] == sequence[i - 1] ? run + 1 : 1;
            longestRun = Math.Max(longestRun, run);
        }
        Assert.True(longestRun <= 4, $"longest run {longestRun}");
        // Every window of one cycle's length carries each light backend exactly once.
        for (var start = 0; start + 7 <= sequence.Length; start++)
        {
            var window = sequence.AsSpan(start, 7);
            Assert.Equal(1, window.Count(1));
            Assert.Equal(1, window.Count(2));
        }
    }

    [Fact]
    public void WeightedRoundRobin_SeparatesTheHeavyBackendsPicksWithinACycle()
    {
        var sequence = Sequence(Policy(), TestBackends.WithWeights(5, 1, 1), 7);

        Assert.Equal([0, 0, 1, 0, 2, 0, 0], sequence);
    }

    [Fact]
    public void WeightedRoundRobin_ReactsToAWeightChange()
    {
        var policy = Policy();
        var backends = TestBackends.WithWeights(1, 1);
        Assert.Equal([500, 500], TestBackends.CountPicks(policy, backends, 1_000));

        backends[0].Weight = 3;

        Assert.Equal([750, 250], TestBackends.CountPicks(policy, backends, 1_000));
    }

    [Fact]
    public void WeightedRoundRobin_ReactsToAWeightSwapWithTheSameSum()
    {
        var policy = Policy();
        var backends = TestBackends.WithWeights(2, 1);
        Assert.Equal([200, 100], TestBackends.CountPicks(policy, backends, 300));

        backends[0].Weight = 1;
        backends[1].Weight = 2;

        Assert.Equal([100, 200], TestBackends.CountPicks(policy, backends, 300));
    }

    [Fact]
    public void WeightedRoundRobin_SharesAnUnavailableBackendsWeightFairly()
    {
        var backends = TestBackends.WithWeights(5, 1, 1);
        backends[0].Available = false;

        Assert.Equal([0, 500, 500], TestBackends.CountPicks(Policy(), backends, 1_000));
    }

    [Fact]
    public void WeightedRoundRobin_WeightZero_IsNotPicked()
    {
        Assert.Equal([0, 600, 400], TestBackends.CountPicks(Policy(), TestBackends.WithWeights(0, 3, 2), 1_000));
    }

    [Fact]
    public void WeightedRoundRobin_AllWeightsZero_FallsBackToEvenSpread()
    {
        Assert.Equal([300, 300], TestBackends.CountPicks(Policy(), TestBackends.WithWeights(0, 0), 600));
    }

    [Fact]
    public void WeightedRoundRobin_HugeWeights_KeepTheirRatio()
    {
        var counts = TestBackends.CountPicks(Policy(), TestBackends.WithWeights(1_000_000, 3_000_000), 40_000);

        Assert.InRange(counts[1] / (double)counts[0], 2.9, 3.1);
    }

    [Fact]
    public void WeightedRoundRobin_NewBackendArray_UsesItsOwnWeights()
    {
        var policy = Policy();
        TestBackends.CountPicks(policy, TestBackends.WithWeights(1, 9), 100);

        Assert.Equal([400, 200], TestBackends.CountPicks(policy, TestBackends.WithWeights(2, 1), 600));
    }

    [Fact]
    public void WeightedRoundRobin_FromManyThreads_StaysExactlyProportional()
    {
        var policy = Policy();
        var backends = TestBackends.WithWeights(5, 1, 1);
        var counts = new int[3];

        Parallel.For(0, 70_000, _ => Interlocked.Increment(ref counts[policy.Pick(backends, default)]));

        Assert.Equal([50_000, 10_000, 10_000], counts);
    }
}
