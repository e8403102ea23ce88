namespace Proxy.Shared.LoadBalancing;

/// <summary>A policy's <see cref="WeightedSchedule"/>, rebuilt on the first pick after any weight or availability
/// change (one read of <see cref="LoadBalancedBackend.Generation"/> per pick otherwise).</summary>
internal sealed class WeightedScheduleCache
{
    private WeightedSchedule? _schedule;

    public WeightedSchedule For(LoadBalancedBackend[] backends)
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
