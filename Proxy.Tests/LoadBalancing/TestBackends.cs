using Proxy.Shared.LoadBalancing;

namespace Proxy.Tests.LoadBalancing;

/// <summary>Backend arrays and pick counting shared by the policy tests.</summary>
internal static class TestBackends
{
    public static LoadBalancedBackend[] Create(int count) => WithWeights(Enumerable.Repeat(1, count).ToArray());

    public static LoadBalancedBackend[] WithWeights(params int[] weights)
    {
        var backends = new LoadBalancedBackend[weights.Length];
        for (var i = 0; i < weights.Length; i++) backends[i] = new LoadBalancedBackend($"10.0.0.{i + 1}:8080", weights[i]);
        return backends;
    }

    public static int[] CountPicks(ILoadBalancingPolicy policy, LoadBalancedBackend[] backends, int picks,
        LoadBalancingContext context = default)
    {
        var counts = new int[backends.Length];
        for (var i = 0; i < picks; i++) counts[policy.Pick(backends, context)]++;
        return counts;
    }
}
