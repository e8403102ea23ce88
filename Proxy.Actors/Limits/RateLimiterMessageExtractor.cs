using Akka.Cluster.Sharding;
using Proxy.Shared.RateLimiting;

namespace Proxy.Actors.Limits;

/// <summary>Routes <see cref="IRateLimiterCommand"/>s by their entity id (<c>LIMIT/KEY</c>).</summary>
public sealed class RateLimiterMessageExtractor(int maxShards) : HashCodeMessageExtractor(maxShards)
{
    public const string RegionName = "rate-limiter";

    public override string? EntityId(object message) => (message as IRateLimiterCommand)?.EntityId;

    /// <summary>The limit name part of an entity id.</summary>
    public static string LimitOf(string entityId) => entityId[..Math.Max(0, entityId.IndexOf('/'))];
}
