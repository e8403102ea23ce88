using Proxy.Shared.RateLimiting;

namespace Proxy.Actors.Limits;

/// <summary>A limit's decision for one request, with the figures of the RateLimit-* headers.</summary>
/// <param name="Remaining">Tokens left for this key, cluster-wide as far as this node knows.</param>
/// <param name="ResetSeconds">Seconds until the bucket is full again.</param>
/// <param name="RetryAfterSeconds">When denied: seconds until a request may pass.</param>
/// <param name="Reason">When denied: why (over the limit, or the store could not answer and the limit says deny).</param>
/// <param name="StoreFailed">When denied: because the store could not answer (503), not because the key is over (429).</param>
public readonly record struct LimitVerdict(bool Allowed, RateLimitSettings Limit, long Remaining, long ResetSeconds,
    long RetryAfterSeconds, string? Reason = null, bool StoreFailed = false);
