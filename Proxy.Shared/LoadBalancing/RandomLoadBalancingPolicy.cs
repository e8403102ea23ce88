namespace Proxy.Shared.LoadBalancing;

/// <summary>Picks a random available backend, each as likely as its share of the weights.</summary>
internal sealed class RandomLoadBalancingPolicy : ILoadBalancingPolicy
{
    public int Pick(LoadBalancedBackend[] backends, in LoadBalancingContext context)
    {
        var avoid = context.Avoid;
        var index = BackendSelection.WeightedDraw(backends, avoid);
        if (index >= 0) return index;
        // No eligible backend has a weight (or one changed during the draw): uniform over the eligible ones.
        var eligible = BackendSelection.CountEligible(backends, avoid);
        if (eligible == 0) return BackendSelection.AvoidedFallback(backends, avoid);
        index = BackendSelection.NthEligible(backends, avoid, Random.Shared.Next(eligible));
        return index >= 0 ? index : BackendSelection.AvoidedFallback(backends, avoid);
    }
}
