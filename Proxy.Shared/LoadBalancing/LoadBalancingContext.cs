namespace Proxy.Shared.LoadBalancing;

/// <summary>Per-request input to <see cref="ILoadBalancingPolicy.Pick"/>.</summary>
public readonly struct LoadBalancingContext
{
    public LoadBalancingContext(string? hashKey = null, LoadBalancedBackend? avoid = null)
    {
        HashKey = hashKey;
        Avoid = avoid;
    }

    /// <summary>
    /// Key for consistent hashing (header, cookie or client IP value, chosen by the caller); null makes the
    /// consistent-hash policy fall back to round robin. Other policies ignore it.
    /// </summary>
    public string? HashKey { get; init; }

    /// <summary>
    /// The backend that just failed, on a retry: any other available backend is preferred, and this one is
    /// only picked when it is the only available backend left.
    /// </summary>
    public LoadBalancedBackend? Avoid { get; init; }
}
