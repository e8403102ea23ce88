using Proxy.Shared.Configuration;

namespace Proxy.Shared.LoadBalancing;

/// <summary>Creates the policy for a pool's configured <see cref="LoadBalancingPolicyKind"/>.</summary>
public static class LoadBalancingPolicies
{
    /// <summary>A new policy instance; use one per pool, since weighted and hashing policies cache per-pool state.</summary>
    public static ILoadBalancingPolicy Create(LoadBalancingPolicyKind kind) => kind switch
    {
        // Every policy honours weights (issue 22); with equal weights smooth weighted round robin is plain round robin.
        LoadBalancingPolicyKind.RoundRobin or LoadBalancingPolicyKind.WeightedRoundRobin => new WeightedRoundRobinLoadBalancingPolicy(),
        LoadBalancingPolicyKind.LeastRequests => new LeastRequestsLoadBalancingPolicy(),
        LoadBalancingPolicyKind.PowerOfTwo => new PowerOfTwoChoicesLoadBalancingPolicy(),
        LoadBalancingPolicyKind.ConsistentHash => new ConsistentHashLoadBalancingPolicy(),
        LoadBalancingPolicyKind.Random => new RandomLoadBalancingPolicy(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown load-balancing policy."),
    };
}
