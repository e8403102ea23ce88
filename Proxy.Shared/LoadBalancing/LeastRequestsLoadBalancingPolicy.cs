namespace Proxy.Shared.LoadBalancing;

/// <summary>Picks the available backend with the fewest requests in flight.</summary>
internal sealed class LeastRequestsLoadBalancingPolicy : ILoadBalancingPolicy
{
    private int _counter = -1;

    public int Pick(LoadBalancedBackend[] backends, in LoadBalancingContext context)
    {
        if (backends.Length == 0) return -1;
        var avoid = context.Avoid;
        // Rotating the scan start spreads ties (common when idle) instead of always favouring the first backend.
        var start = BackendSelection.Slot(Interlocked.Increment(ref _counter), backends.Length);
        var best = -1;
        var bestLoad = int.MaxValue;
        for (var step = 0; step < backends.Length; step++)
        {
            var i = start + step;
            if (i >= backends.Length) i -= backends.Length;
            var backend = backends[i];
            if (!BackendSelection.IsEligible(backend, avoid)) continue;
            var load = backend.InFlight;
            if (load < bestLoad)
            {
                best = i;
                bestLoad = load;
            }
        }
        return best >= 0 ? best : BackendSelection.AvoidedFallback(backends, avoid);
    }
}
