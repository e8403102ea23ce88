namespace Proxy.Shared.LoadBalancing;

/// <summary>Something a policy precomputes from a backend array (a weighted schedule, a hash ring), valid for one
/// <see cref="LoadBalancedBackend.Generation"/>.</summary>
internal interface IBackendSnapshot
{
    bool IsCurrentFor(LoadBalancedBackend[] backends, int generation);
}

/// <summary>A policy's precomputed <typeparamref name="T"/>, rebuilt on the first pick after any weight or
/// availability change (one read of <see cref="LoadBalancedBackend.Generation"/> per pick otherwise).</summary>
internal sealed class BackendSnapshotCache<T>(Func<LoadBalancedBackend[], int, T> build) where T : class, IBackendSnapshot
{
    private T? _snapshot;

    public T For(LoadBalancedBackend[] backends)
    {
        // Read the generation before the weights so a change during the build makes the next pick rebuild.
        var generation = LoadBalancedBackend.Generation;
        var current = Volatile.Read(ref _snapshot);
        if (current is not null && current.IsCurrentFor(backends, generation)) return current;
        var built = build(backends, generation);
        Interlocked.CompareExchange(ref _snapshot, built, current);
        return built;
    }
}
