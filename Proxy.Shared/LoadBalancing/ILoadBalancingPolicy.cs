namespace Proxy.Shared.LoadBalancing;

/// <summary>
/// Chooses a backend for one request. Implementations are thread-safe, lock-free and allocation-free per
/// pick; one instance serves one pool (weighted and hashing policies cache state for the pool's array).
/// </summary>
public interface ILoadBalancingPolicy
{
    /// <summary>
    /// Index into <paramref name="backends"/> of the chosen available backend, or -1 when none is available.
    /// The array is treated as immutable: a pool that changes membership passes a new array.
    /// </summary>
    int Pick(LoadBalancedBackend[] backends, in LoadBalancingContext context);
}
