namespace Proxy.Shared.LoadBalancing;

/// <summary>
/// Picks the available backend with the fewest requests in flight per unit of weight (Envoy's weighted least
/// request): a weight-2 backend carries twice the requests of a weight-1 one. Ties — every idle pool — go in smooth
/// weighted round-robin order, so light traffic is split by weight too, and equal weights rotate.
/// </summary>
internal sealed class LeastRequestsLoadBalancingPolicy : ILoadBalancingPolicy
{
    private readonly BackendSnapshotCache<WeightedSchedule> _schedule = new(WeightedSchedule.Build);
    private int _counter = -1;

    public int Pick(LoadBalancedBackend[] backends, in LoadBalancingContext context)
    {
        if (backends.Length == 0) return -1;
        var avoid = context.Avoid;
        var slots = _schedule.For(backends).Slots;
        // No available backend has a weight: spread by load alone rather than answer "none available".
        if (slots.Length == 0) return LeastLoaded(backends, avoid);

        var best = -1;
        for (var i = 0; i < backends.Length; i++)
        {
            var backend = backends[i];
            if (backend.Weight == 0 || !BackendSelection.IsEligible(backend, avoid)) continue;
            if (best < 0 || BackendSelection.LessLoadedPerWeight(backend, backends[best])) best = i;
        }
        if (best < 0) return BackendSelection.AvoidedFallback(backends, avoid);

        // Among the backends as loaded (per weight) as the best, the next one in the weighted schedule.
        var start = BackendSelection.Slot(Interlocked.Increment(ref _counter), slots.Length);
        for (var step = 0; step < slots.Length; step++)
        {
            var slot = start + step;
            if (slot >= slots.Length) slot -= slots.Length;
            var index = slots[slot];
            var candidate = backends[index];
            if (BackendSelection.IsEligible(candidate, avoid) && !BackendSelection.LessLoadedPerWeight(backends[best], candidate))
                return index;
        }
        return best;
    }

    private int LeastLoaded(LoadBalancedBackend[] backends, LoadBalancedBackend? avoid)
    {
        // Rotating the scan start spreads ties instead of always favouring the first backend.
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
