namespace Proxy.Shared.RateLimiting;

/// <summary>
/// L1: a token bucket as GCRA (generic cell rate algorithm): the whole state is one timestamp, the theoretical
/// arrival time (TAT). A request at <c>now</c> is allowed when <c>TAT - now</c> stays within the burst
/// tolerance after adding its cost; each token costs one emission interval. Equivalent to a bucket of
/// <c>burst</c> tokens refilled at <c>rate</c>, without a refill timer. Times are in ticks of any monotonic clock.
/// </summary>
public struct TokenBucket
{
    private readonly long _interval;
    private readonly long _tolerance;
    private long _tat;

    public TokenBucket(RateSpec rate, long burst)
    {
        if (burst < 1) throw new ArgumentOutOfRangeException(nameof(burst), "burst must be at least 1");
        _interval = rate.Interval.Ticks;
        Burst = burst;
        // A full bucket admits `burst` requests at once: burst - 1 intervals of tolerance beyond the first.
        _tolerance = _interval * burst;
        _tat = 0;
    }

    public long Burst { get; }

    /// <summary>Tokens available at <paramref name="now"/> (0 to <see cref="Burst"/>).</summary>
    public readonly long Available(long now)
    {
        var tat = Math.Max(_tat, now);
        return Math.Clamp((now + _tolerance - tat) / _interval, 0, Burst);
    }

    /// <summary>Takes <paramref name="cost"/> tokens if all are there; otherwise takes none.</summary>
    /// <returns>The decision with the headers' numbers.</returns>
    public RateDecision TryTake(long now, long cost = 1)
    {
        var tat = Math.Max(_tat, now);
        var newTat = tat + cost * _interval;
        var allowAt = newTat - _tolerance;
        if (allowAt > now)
            return new RateDecision(false, Available(now), RetryAfter: allowAt - now, ResetAfter: Math.Max(0, tat - now));
        _tat = newTat;
        return new RateDecision(true, Available(now), RetryAfter: 0, ResetAfter: newTat - now);
    }

    /// <summary>Takes up to <paramref name="wanted"/> tokens (a lease): as many as are there now.</summary>
    public long TakeUpTo(long now, long wanted)
    {
        var granted = Math.Min(wanted, Available(now));
        if (granted > 0) _tat = Math.Max(_tat, now) + granted * _interval;
        return granted;
    }

    /// <summary>
    /// The bucket under a new rate and burst (O6: a config revision changed the limit): the tokens taken and not yet
    /// refilled stay taken (refilling at the new rate), so a revision neither refills a bucket nor empties it.
    /// </summary>
    public readonly TokenBucket Retuned(RateSpec rate, long burst, long now)
    {
        var retuned = new TokenBucket(rate, burst);
        var taken = Math.Min(Burst - Available(now), burst);
        retuned._tat = now + taken * retuned._interval;
        return retuned;
    }

    /// <summary>Gives back tokens taken but not used (an expired or released lease).</summary>
    public void GiveBack(long now, long tokens)
    {
        if (tokens <= 0) return;
        _tat = Math.Max(now, _tat - tokens * _interval);
    }
}

/// <param name="Remaining">Tokens left after this decision (RateLimit-Remaining).</param>
/// <param name="RetryAfter">Ticks until a request of the same cost would be allowed (Retry-After), 0 when allowed.</param>
/// <param name="ResetAfter">Ticks until the bucket is full again (RateLimit-Reset).</param>
public readonly record struct RateDecision(bool Allowed, long Remaining, long RetryAfter, long ResetAfter);
