namespace Proxy.Shared.LoadBalancing;

/// <summary>
/// Smooth weighted round robin (nginx's): each available backend gets its weight's share of every cycle,
/// interleaved; with equal weights, plain round robin. The policy behind both <c>round-robin</c> and
/// <c>weighted-round-robin</c>. Reacts to weight and availability changes by rebuilding its schedule on the next pick.
/// </summary>
internal sealed class WeightedRoundRobinLoadBalancingPolicy : ILoadBalancingPolicy
{
    // Used when every available backend has weight 0: better to spread evenly than to answer "none available".
    private readonly RoundRobinLoadBalancingPolicy _unweighted = new();
    private readonly BackendSnapshotCache<WeightedSchedule> _schedule = new(WeightedSchedule.Build);
    private int _counter = -1;

    public int Pick(LoadBalancedBackend[] backends, in LoadBalancingContext context)
    {
        var slots = _schedule.For(backends).Slots;
        if (slots.Length == 0) return _unweighted.Pick(backends, context);

        var avoid = context.Avoid;
        var start = BackendSelection.Slot(Interlocked.Increment(ref _counter), slots.Length);
        // Normally the first slot is eligible; walking on only happens on a retry (Avoid) or a race with a
        // health change, and stays within one cycle.
        for (var step = 0; step < slots.Length; step++)
        {
            var slot = start + step;
            if (slot >= slots.Length) slot -= slots.Length;
            var index = slots[slot];
            if (BackendSelection.IsEligible(backends[index], avoid)) return index;
        }
        return _unweighted.Pick(backends, context);
    }
}
