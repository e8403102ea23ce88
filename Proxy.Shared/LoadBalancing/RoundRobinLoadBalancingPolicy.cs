namespace Proxy.Shared.LoadBalancing;

/// <summary>Cycles through the available backends in order.</summary>
internal sealed class RoundRobinLoadBalancingPolicy : ILoadBalancingPolicy
{
    private int _counter = -1;

    public int Pick(LoadBalancedBackend[] backends, in LoadBalancingContext context)
    {
        var avoid = context.Avoid;
        var eligible = BackendSelection.CountEligible(backends, avoid);
        if (eligible == 0) return BackendSelection.AvoidedFallback(backends, avoid);
        // Counting among eligible backends (not skipping forward from a fixed slot) keeps the spread even
        // when some are down; skipping would hand a down backend's whole share to its neighbour.
        var n = BackendSelection.Slot(Interlocked.Increment(ref _counter), eligible);
        var index = BackendSelection.NthEligible(backends, avoid, n);
        if (index >= 0) return index;
        // Availability changed between the two scans; any eligible backend is a fine answer then.
        index = BackendSelection.NthEligible(backends, avoid, 0);
        return index >= 0 ? index : BackendSelection.AvoidedFallback(backends, avoid);
    }
}
