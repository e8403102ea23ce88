using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Proxy.Actors.Limits;
using Proxy.Actors.Pools;
using Proxy.Shared.Configuration;

namespace Proxy.Node.Hosting;

/// <summary>The <c>backend-pool</c> region in the actor registry.</summary>
public sealed class BackendPoolRegion;

/// <summary>The <c>rate-limiter</c> region in the actor registry.</summary>
public sealed class RateLimiterRegion;

/// <summary>The <c>quota</c> region in the actor registry (only with a rate limit that has a quota).</summary>
public sealed class QuotaRegion;

/// <summary>
/// The node's shard regions, registered through Akka.Hosting before the node's actors start (they find them in the
/// <see cref="IActorRegistry"/>). Every region: role <c>proxy</c>, distributed-data state store, no remembered
/// entities and no passivation by sharding — pool entities run health checks; limiter and quota entities passivate
/// themselves when idle. These options are the only place the settings are written.
/// </summary>
public static class ShardRegions
{
    private static ShardOptions EntitySharding() => new()
    {
        Role = "proxy",
        StateStoreMode = StateStoreMode.DData,
        RememberEntities = false,
        ShouldPassivateIdleEntities = false,
    };

    /// <param name="currentSettings">The node's settings in its current config revision (pool, limit and quota entities
    /// follow them).</param>
    public static AkkaConfigurationBuilder WithProxyShardRegions(this AkkaConfigurationBuilder akka, Func<ProxySettings> currentSettings)
    {
        // One entity per pool, cluster-wide, never passivated (it runs the pool's health checks).
        akka.WithShardRegion<BackendPoolRegion>(BackendPoolMessageExtractor.RegionName,
            id => BackendPoolEntity.Props(id, pool => currentSettings().Pools.GetValueOrDefault(pool)),
            new BackendPoolMessageExtractor(maxShards: 30), EntitySharding());

        // One entity per limit and key value; a bucket that would have refilled needs no memory. Entities take their
        // limit from the node's current config revision (a revision that changes a limit reaches them at their next lease).
        akka.WithShardRegion<RateLimiterRegion>(RateLimiterMessageExtractor.RegionName,
            id => RateLimiterEntity.Props(id, () => LimitOf(currentSettings(), id)),
            new RateLimiterMessageExtractor(maxShards: 100), EntitySharding());

        // L4: one persistent entity per limit with a quota and key value (always registered: a revision may add one).
        akka.WithShardRegion<QuotaRegion>("quota",
            id => QuotaEntity.Props(id, () => LimitOf(currentSettings(), id)?.QuotaCheck()),
            new RateLimiterMessageExtractor(maxShards: 100), EntitySharding());
        return akka;
    }

    private static Proxy.Shared.RateLimiting.RateLimitSettings? LimitOf(ProxySettings settings, string entityId)
    {
        var name = RateLimiterMessageExtractor.LimitOf(entityId);
        foreach (var limit in settings.RateLimits)
            if (limit.Name == name) return limit;
        return null;
    }
}
