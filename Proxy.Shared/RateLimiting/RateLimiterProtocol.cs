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

/// <summary>Admin: a key's bucket and the nodes holding leases on it (<c>pbm limit NAME KEY</c>).</summary>
public sealed record GetLimitKeyState(string EntityId) : IRateLimiterCommand;

/// <param name="LeaseHolders">Nodes that took a lease within the last lease period.</param>
public sealed record LimitKeyState(string EntityId, long Available, long Burst, IReadOnlyList<string> LeaseHolders) : IClusterMessage;

/// <summary>Admin: a node's limiter counters (sent to every node's <c>/user/limiter</c>; summed for the cluster).</summary>
public sealed record GetLimiterStats : IClusterMessage
{
    public static readonly GetLimiterStats Instance = new();
}

public sealed record LimiterStats(string Node, IReadOnlyList<LimitCounters> Limits) : IClusterMessage;

/// <param name="Keys">Keys this node holds lease state for now.</param>
public sealed record LimitCounters(string Limit, long Allowed, long Rejected, int Keys);

/// <summary>L4: events of a quota entity (persisted): tokens taken in a window, and unused ones handed back.</summary>
public interface IQuotaEvent : IClusterMessage;

/// <param name="Window">Start of the window (UTC day or month) the tokens count against.</param>
public sealed record QuotaTaken(DateTime Window, long Tokens) : IQuotaEvent;

public sealed record QuotaReturned(DateTime Window, long Tokens) : IQuotaEvent;
