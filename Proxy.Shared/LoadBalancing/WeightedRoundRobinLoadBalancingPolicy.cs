namespace Proxy.Shared.LoadBalancing;

/// <summary>
/// Smooth weighted round robin: each available backend gets its weight's share of every cycle, interleaved.
/// Reacts to weight and availability changes by rebuilding its schedule on the next pick.
/// </summary>
internal sealed class WeightedRoundRobinLoadBalancingPolicy : ILoadBalancingPolicy
{
    // Used when every available backend has weight 0: better to spread evenly than to answer "none available".
    private readonly RoundRobinLoadBalancingPolicy _unweighted = new();
    private WeightedSchedule? _schedule;
    private int _counter = -1;

    public int Pick(LoadBalancedBackend[] backends, in LoadBalancingContext context)
    {
        var slots = GetSchedule(backends).Slots;
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

    private WeightedSchedule GetSchedule(LoadBalancedBackend[] backends)
    {
        // Read the generation before the weights so a change during the build makes the next pick rebuild.
        var generation = LoadBalancedBackend.Generation;
        var current = Volatile.Read(ref _schedule);
        if (current is not null && current.IsCurrentFor(backends, generation)) return current;
        var built = WeightedSchedule.Build(backends, generation);
        Interlocked.CompareExchange(ref _schedule, built, current);
        return built;
    }
}
