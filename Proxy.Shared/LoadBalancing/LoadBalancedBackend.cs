namespace Proxy.Shared.LoadBalancing;

/// <summary>
/// A backend as the balancing policies see it: address, weight, availability and requests in flight.
/// Not sealed so a node can derive from it to attach its connection pool. Every member is safe to read
/// and write from many threads.
/// </summary>
public class LoadBalancedBackend
{
    // Bumped on every weight or availability change of any backend so policies that precompute a schedule
    // or a hash ring can tell with one read whether it is stale, instead of rescanning every backend per pick.
    private static int s_generation;

    private int _weight;
    private volatile bool _available = true;
    private int _inFlight;

    public LoadBalancedBackend(string address, int weight = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        Address = address;
        _weight = weight;
    }

    /// <summary>"host:port"; also the backend's identity on a consistent-hash ring.</summary>
    public string Address { get; }

    /// <summary>Relative share for weighted policies; 0 keeps the backend out of weighted picks.</summary>
    public int Weight
    {
        get => Volatile.Read(ref _weight);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            if (Interlocked.Exchange(ref _weight, value) != value) Interlocked.Increment(ref s_generation);
        }
    }

    /// <summary>Healthy and not drained: only available backends are picked.</summary>
    public bool Available
    {
        get => _available;
        set
        {
            if (_available == value) return;
            _available = value;
            Interlocked.Increment(ref s_generation);
        }
    }

    /// <summary>Requests sent to this backend that have not completed yet.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Counts a request sent to this backend; pair with <see cref="EndRequest"/>.</summary>
    public void BeginRequest() => Interlocked.Increment(ref _inFlight);

    /// <summary>Counts a request to this backend as completed (success or failure).</summary>
    public void EndRequest() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Changes whenever any backend's weight or availability changes.</summary>
    internal static int Generation => Volatile.Read(ref s_generation);

    public override string ToString() => Address;
}
