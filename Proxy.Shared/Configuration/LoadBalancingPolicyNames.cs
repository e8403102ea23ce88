namespace Proxy.Shared.Configuration;

/// <summary>The config names of the load-balancing policies (<c>pools.NAME.policy</c>), in the order error messages
/// list them; the admin API and pbm show the same names.</summary>
public static class LoadBalancingPolicyNames
{
    public static readonly (string Name, LoadBalancingPolicyKind Kind)[] All =
    [
        ("round-robin", LoadBalancingPolicyKind.RoundRobin),
        ("weighted-round-robin", LoadBalancingPolicyKind.WeightedRoundRobin),
        ("least-requests", LoadBalancingPolicyKind.LeastRequests),
        ("power-of-two", LoadBalancingPolicyKind.PowerOfTwo),
        ("consistent-hash", LoadBalancingPolicyKind.ConsistentHash),
        ("random", LoadBalancingPolicyKind.Random),
    ];

    public static string Of(LoadBalancingPolicyKind kind) => All.First(p => p.Kind == kind).Name;
}
