using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;
using Xunit;

namespace Proxy.Tests.LoadBalancing;

/// <summary>Issue 22: every policy honours <c>weight</c> (as Envoy's do). Over 10,000 picks each backend's share is
/// within ±2 points of its share of the weights — with requests that finish before the next pick (light traffic)
/// and with 32 in flight that finish in order (a loaded pool, where the load-aware policies balance load per weight).</summary>
public class WeightedSplitTests
{
    private const int Picks = 10_000;
    private static readonly int[] Weights = [1, 2, 5];

    public static TheoryData<LoadBalancingPolicyKind, int> Cases()
    {
        var data = new TheoryData<LoadBalancingPolicyKind, int>();
        foreach (var kind in Enum.GetValues<LoadBalancingPolicyKind>())
        foreach (var inFlight in new[] { 0, 32 })
            data.Add(kind, inFlight);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachBackendsShare_FollowsItsWeight(LoadBalancingPolicyKind kind, int inFlight)
    {
        var backends = TestBackends.WithWeights(Weights);
        var policy = LoadBalancingPolicies.Create(kind);
        var counts = new int[backends.Length];
        var open = new Queue<int>();
        for (var i = 0; i < Picks; i++)
        {
            // consistent-hash splits keys, so each pick brings a new key.
            var picked = policy.Pick(backends, new LoadBalancingContext(hashKey: kind == LoadBalancingPolicyKind.ConsistentHash ? $"client-{i}" : null));
            counts[picked]++;
            backends[picked].BeginRequest();
            open.Enqueue(picked);
            while (open.Count > inFlight) backends[open.Dequeue()].EndRequest();
        }

        var totalWeight = Weights.Sum();
        for (var b = 0; b < backends.Length; b++)
        {
            var expected = 100.0 * Weights[b] / totalWeight;
            var actual = 100.0 * counts[b] / Picks;
            Assert.True(Math.Abs(actual - expected) <= 2.0,
                $"{kind}, {inFlight} in flight: backend {b} (weight {Weights[b]}) got {actual:0.0}% of picks, expected {expected:0.0}% ± 2 (counts {string.Join("/", counts)})");
        }
    }

    [Theory]
    [InlineData(LoadBalancingPolicyKind.LeastRequests)]
    [InlineData(LoadBalancingPolicyKind.PowerOfTwo)]
    public void LoadAwarePolicies_CompareLoadPerWeight(LoadBalancingPolicyKind kind)
    {
        var backends = TestBackends.WithWeights(1, 4);
        for (var i = 0; i < 3; i++) backends[0].BeginRequest(); // 3 per weight
        for (var i = 0; i < 8; i++) backends[1].BeginRequest(); // 2 per weight: less loaded although busier
        var policy = LoadBalancingPolicies.Create(kind);
        for (var i = 0; i < 100; i++) Assert.Equal(1, policy.Pick(backends, default));
    }

    [Theory]
    [InlineData(LoadBalancingPolicyKind.RoundRobin)]
    [InlineData(LoadBalancingPolicyKind.LeastRequests)]
    [InlineData(LoadBalancingPolicyKind.PowerOfTwo)]
    [InlineData(LoadBalancingPolicyKind.Random)]
    public void AWeightOfZero_KeepsABackendOut_UnlessNoOtherIsAvailable(LoadBalancingPolicyKind kind)
    {
        var backends = TestBackends.WithWeights(0, 1, 1);
        var policy = LoadBalancingPolicies.Create(kind);
        Assert.Equal(0, TestBackends.CountPicks(policy, backends, 1000)[0]);

        backends[1].Available = false;
        backends[2].Available = false;
        Assert.Equal(1000, TestBackends.CountPicks(policy, backends, 1000)[0]);
    }
}
