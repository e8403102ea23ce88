namespace Proxy.Actors.Pools;

/// <summary>
/// Caps retries at a fraction of recent requests (like Envoy's retry budget) so retries cannot multiply the
/// load on a pool that is already failing. A minimum allows a few retries on a quiet pool. Counters decay
/// (halved by the pool agent every second), so "recent" means roughly the last two seconds.
/// </summary>
public sealed class RetryBudget
{
    private const int MinimumRetries = 3;
    private readonly double _ratio;
    private int _requests;
    private int _retries;

    public RetryBudget(double ratio) => _ratio = ratio;

    public void RecordRequest() => Interlocked.Increment(ref _requests);

    public bool TryAcquireRetry()
    {
        var allowed = Math.Max(MinimumRetries, (int)(Volatile.Read(ref _requests) * _ratio));
        if (Interlocked.Increment(ref _retries) <= allowed) return true;
        Interlocked.Decrement(ref _retries);
        return false;
    }

    public void Decay()
    {
        Volatile.Write(ref _requests, Volatile.Read(ref _requests) / 2);
        Volatile.Write(ref _retries, Volatile.Read(ref _retries) / 2);
    }
}
