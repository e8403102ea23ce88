namespace Proxy.Shared.RateLimiting;

/// <summary>Where buckets live. <c>Quota</c> is internal: the persisted long window of a limit's <c>quota</c>.</summary>
public enum RateLimitStore { Cluster, Redis, Quota }

/// <summary>What a limit does when its store cannot answer (Redis down, entity unreachable).</summary>
public enum StoreFailureMode { Allow, Deny }

public enum RateLimitKeyKind { ClientIp, Header, Route, ApiKey }

/// <summary>One part of a limit's key: the client address, a header's value, the route name or the API key.</summary>
public sealed record RateLimitKeyPart(RateLimitKeyKind Kind, string? Header = null)
{
    public override string ToString() => Kind switch
    {
        RateLimitKeyKind.ClientIp => "client-ip",
        RateLimitKeyKind.Route => "route",
        RateLimitKeyKind.ApiKey => "api-key",
        _ => "header:" + Header,
    };
}

/// <summary>
/// One entry of <c>proxy.rate-limits</c> (L1–L4): a token bucket per key value, applied to some routes (all
/// when none are listed). One limit on many routes shares one budget unless <see cref="PerRoute"/>.
/// </summary>
public sealed record RateLimitSettings
{
    public required string Name { get; init; }
    /// <summary>The key: one part or a combination (all parts joined).</summary>
    public IReadOnlyList<RateLimitKeyPart> Key { get; init; } = [new(RateLimitKeyKind.ClientIp)];
    public required RateSpec Rate { get; init; }
    /// <summary>Bucket size: requests allowed at once after a quiet period (default: one period's count).</summary>
    public long Burst { get; init; }
    public RateLimitStore Store { get; init; } = RateLimitStore.Cluster;
    public IReadOnlyList<string> Routes { get; init; } = [];
    public bool PerRoute { get; init; }
    public StoreFailureMode OnStoreFailure { get; init; } = StoreFailureMode.Allow;
    /// <summary>L4: a long-window quota on top of the rate (per day or month), persisted.</summary>
    public RateSpec? Quota { get; init; }
    /// <summary>The header carrying the API key for <c>api-key</c> key parts.</summary>
    public string ApiKeyHeader { get; init; } = "X-API-Key";

    public bool Equals(RateLimitSettings? other) =>
        other is not null && Name == other.Name && Key.SequenceEqual(other.Key) && Rate == other.Rate && Burst == other.Burst &&
        Store == other.Store && Routes.SequenceEqual(other.Routes) && PerRoute == other.PerRoute &&
        OnStoreFailure == other.OnStoreFailure && Quota == other.Quota && ApiKeyHeader == other.ApiKeyHeader;

    public override int GetHashCode() => HashCode.Combine(Name, Rate, Burst, Store);

    /// <summary>The quota part of this limit as a check of its own (store <see cref="RateLimitStore.Quota"/>).</summary>
    public RateLimitSettings? QuotaCheck() => Quota is { } quota
        ? this with { Rate = quota, Burst = quota.Count, Store = RateLimitStore.Quota, Quota = null }
        : null;
}
