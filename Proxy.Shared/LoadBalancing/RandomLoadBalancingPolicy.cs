namespace Proxy.Shared.LoadBalancing;

/// <summary>Picks a uniformly random available backend.</summary>
internal sealed class RandomLoadBalancingPolicy : ILoadBalancingPolicy
{
    public int Pick(LoadBalancedBackend[] backends, in LoadBalancingContext context)
    {
        var avoid = context.Avoid;
        var eligible = BackendSelection.CountEligible(backends, avoid);
        if (eligible == 0) return BackendSelection.AvoidedFallback(backends, avoid);
        var index = BackendSelection.NthEligible(backends, avoid, Random.Shared.Next(eligible));
        return index >= 0 ? index : BackendSelection.AvoidedFallback(backends, avoid);
    }
}
