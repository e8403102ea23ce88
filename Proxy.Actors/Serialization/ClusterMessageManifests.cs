using Proxy.Shared.Caching;
using System.Reflection;
using Proxy.Shared.Cluster;
using Proxy.Shared.ConfigRevisions;
using Proxy.Shared.Stats;
using Proxy.Shared.Pools;
using Proxy.Shared.RateLimiting;

namespace Proxy.Actors.Serialization;

/// <summary>
/// The stable wire name (string manifest) of every <see cref="IClusterMessage"/> type. The manifest travels
/// with every remote message and is stored in every journal row, so it is chosen once and never derived
/// from CLR names: a record may be renamed or moved and keep its manifest; a manifest is never changed or
/// reused for another type. Adding a message type is one line in <see cref="Table"/>.
/// </summary>
public static class ClusterMessageManifests
{
    // Naming: "<area>.<message>", persisted events "<area>.ev.<event>".
    private static readonly (Type Type, string Manifest)[] Table =
    [
        (typeof(SubscribePool), "pool.subscribe"),
        (typeof(ReportOutcomes), "pool.outcomes"),
        (typeof(GetPoolState), "pool.get-state"),
        (typeof(DrainBackend), "pool.drain"),
        (typeof(UndrainBackend), "pool.undrain"),
        (typeof(SetBackendWeight), "pool.set-weight"),
        (typeof(AdminChangeResult), "pool.admin-result"),
        (typeof(PoolState), "pool.state"),
        (typeof(BackendDrained), "pool.ev.drained"),
        (typeof(BackendUndrained), "pool.ev.undrained"),
        (typeof(BackendWeightChanged), "pool.ev.weight-changed"),
        (typeof(PoolEntityStarted), "pool.ev.entity-started"),
        (typeof(AcquireLease), "limit.acquire-lease"),
        (typeof(LeaseGrant), "limit.lease-grant"),
        (typeof(GetLimitKeyState), "limit.get-key-state"),
        (typeof(LimitKeyState), "limit.key-state"),
        (typeof(GetLimiterStats), "limit.get-stats"),
        (typeof(LimiterStats), "limit.stats"),
        (typeof(QuotaTaken), "quota.ev.taken"),
        (typeof(QuotaReturned), "quota.ev.returned"),
        (typeof(ConfigRevision), "config.ev.revision"),
        (typeof(ConfigRevisionHistory), "config.snapshot.history"),
        (typeof(StoreConfigRevision), "config.store"),
        (typeof(RollBackConfig), "config.roll-back"),
        (typeof(ConfigRevisionStored), "config.stored"),
        (typeof(SubscribeConfig), "config.subscribe"),
        (typeof(ConfigRevisionNotice), "config.notice"),
        (typeof(ConfigRevisionOutcome), "config.outcome"),
        (typeof(GetConfigRevision), "config.get-revision"),
        (typeof(ConfigRevisionReply), "config.revision"),
        (typeof(GetConfigStatus), "config.get-status"),
        (typeof(ConfigStatus), "config.status"),
        (typeof(GetLiveStats), "stats.get"),
        (typeof(LiveStatsSnapshot), "stats.snapshot"),
        (typeof(GetCacheStats), "cache.get-stats"),
        (typeof(CacheStatsSnapshot), "cache.stats"),
        (typeof(PurgeCache), "cache.purge"),
        (typeof(CachePurged), "cache.purged"),
        (typeof(GetCachePeer), "cache.get-peer"),
        (typeof(CachePeer), "cache.peer"),
    ];

    private static readonly Dictionary<Type, string> ManifestByType = new();
    private static readonly Dictionary<string, Type> TypeByManifest = new(StringComparer.Ordinal);
    private static readonly string? TableProblem;

    static ClusterMessageManifests()
    {
        var problems = new List<string>();
        foreach (var (type, manifest) in Table)
        {
            if (!typeof(IClusterMessage).IsAssignableFrom(type))
                problems.Add($"{type.FullName} is registered but does not implement {nameof(IClusterMessage)}");
            if (!ManifestByType.TryAdd(type, manifest))
                problems.Add($"{type.FullName} is registered twice");
            if (!TypeByManifest.TryAdd(manifest, type))
                problems.Add($"manifest '{manifest}' is used by both {TypeByManifest[manifest].FullName} and {type.FullName}");
        }
        foreach (var type in Unregistered(MessageAssemblies))
            problems.Add($"{type.FullName} implements {nameof(IClusterMessage)} but has no manifest");
        if (problems.Count > 0)
            TableProblem = $"{nameof(ClusterMessageManifests)} is incomplete (add one line per type): " + string.Join("; ", problems);
    }

    /// <summary>The assemblies that define cluster messages: the protocols (Proxy.Shared) and the actors.</summary>
    public static IReadOnlyList<Assembly> MessageAssemblies { get; } =
        [typeof(IClusterMessage).Assembly, typeof(ClusterMessageManifests).Assembly];

    /// <summary>Every registered type and its manifest, in registration order.</summary>
    public static IReadOnlyList<(Type Type, string Manifest)> All => Table;

    /// <summary>Throws when a cluster message type has no manifest, or the table has a duplicate. Called when
    /// the serializer is created, so a node with an incomplete table does not start.</summary>
    public static void EnsureComplete()
    {
        if (TableProblem is not null) throw new InvalidOperationException(TableProblem);
    }

    public static bool TryGetManifest(Type type, out string manifest) => ManifestByType.TryGetValue(type, out manifest!);

    public static bool TryGetType(string manifest, out Type type) => TypeByManifest.TryGetValue(manifest, out type!);

    /// <summary>Concrete types in <paramref name="assemblies"/> that implement <see cref="IClusterMessage"/>
    /// without a manifest.</summary>
    public static IReadOnlyList<Type> Unregistered(IEnumerable<Assembly> assemblies) =>
        assemblies.SelectMany(ClusterMessageTypes).Where(t => !ManifestByType.ContainsKey(t)).ToList();

    /// <summary>Concrete (instantiable) types of <paramref name="assembly"/> implementing <see cref="IClusterMessage"/>.</summary>
    public static IEnumerable<Type> ClusterMessageTypes(Assembly assembly) =>
        assembly.GetTypes().Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IClusterMessage).IsAssignableFrom(t));
}
