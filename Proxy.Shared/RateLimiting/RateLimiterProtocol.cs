using Proxy.Shared.Cluster;

namespace Proxy.Shared.RateLimiting;

/// <summary>Messages for the sharded <c>RateLimiter</c> entity (region <c>rate-limiter</c>, one per limit and key value).</summary>
public interface IRateLimiterCommand : IClusterMessage
{
    /// <summary><c>LIMIT/KEY</c>: the entity id.</summary>
    string EntityId { get; }
}

/// <summary>
/// A node's limiter asks for a lease of up to <paramref name="Wanted"/> tokens and hands back the
/// <paramref name="Unused"/> tokens of its previous lease, which expired or is being replaced.
/// </summary>
public sealed record AcquireLease(string EntityId, string Node, long Wanted, long Unused) : IRateLimiterCommand;

/// <summary>
/// The entity's answer: <paramref name="Granted"/> tokens the node may spend within <paramref name="ValidForMs"/>
/// (0 when the bucket is empty, then <paramref name="RetryAfterMs"/> says when a token returns), and the
/// bucket's figures for the RateLimit-* headers.
/// </summary>
public sealed record LeaseGrant(string EntityId, long Granted, long ValidForMs, long Remaining, long RetryAfterMs, long ResetMs)
    : IClusterMessage;
