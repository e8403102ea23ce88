using Proxy.Shared.Caching;

namespace Proxy.Actors.Caching;

/// <summary>
/// The node's response stores, one per route with a cache, kept for the node's life: a configuration change that keeps
/// a route's cache sizes keeps its stored responses; one that changes them (or removes the cache) starts it empty.
/// </summary>
public sealed class ResponseCaches
{
    private readonly object _lock = new();
    private Dictionary<string, ResponseStore> _stores = new(StringComparer.Ordinal);

    /// <param name="owners">Which node owns each key (null: every key is this node's, as with cache-cluster off).</param>
    public ResponseCaches(string cacheName, Peers.CacheOwners? owners = null)
    {
        CacheName = cacheName;
        Owners = owners;
    }

    /// <summary>How this node names itself in <c>Cache-Status</c> (RFC 9211).</summary>
    public string CacheName { get; }

    /// <summary>E5: the owner of each key in the cluster; null when each node caches on its own.</summary>
    public Peers.CacheOwners? Owners { get; }

    /// <summary>Carries a purge out on every Up member and answers with the status and each one's acknowledgement (the
    /// admin API's); set once the node's actor system runs. Null: only this node's stores are purged (tests).</summary>
    public Func<PurgeCache, Task<(int Status, Proxy.Shared.Admin.CachePurgeView View)>>? ClusterPurge { get; set; }

    /// <summary>The store of <paramref name="route"/> for <paramref name="settings"/>.</summary>
    public ResponseStore StoreFor(string route, CacheSettings settings)
    {
        lock (_lock)
        {
            if (_stores.TryGetValue(route, out var store) && store.MaxBytes == settings.MaxMemoryBytes &&
                store.MaxObjectBytes == settings.MaxObjectBytes)
                return store;
            var next = new Dictionary<string, ResponseStore>(_stores, StringComparer.Ordinal)
            {
                [route] = store = new ResponseStore(settings.MaxMemoryBytes, settings.MaxObjectBytes),
            };
            _stores = next;
            return store;
        }
    }

    /// <summary>Removes what <paramref name="purge"/> selects from every store; the number of responses removed.</summary>
    public long Purge(PurgeCache purge)
    {
        Func<CachedResponse, bool> selects;
        if (purge.Tag is { } tag) selects = e => e.Tags.Contains(tag, StringComparer.Ordinal);
        else if (purge.Prefix is { } prefix) selects = e => e.Target.StartsWith(prefix, StringComparison.Ordinal);
        else if (purge.Url is { } url && Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            var host = absolute.IsDefaultPort ? absolute.Host : absolute.Authority;
            var target = absolute.PathAndQuery;
            selects = e => e.Target == target && (e.Host == host || StripDefaultPort(e.Host) == host);
        }
        else if (purge.Url is { } path && path.StartsWith('/')) selects = e => e.Target == path;
        else return 0;
        long removed = 0;
        foreach (var store in Stores.Values) removed += store.RemoveWhere(selects);
        return removed;
    }

    private static string StripDefaultPort(string host) =>
        host.EndsWith(":80", StringComparison.Ordinal) || host.EndsWith(":443", StringComparison.Ordinal) ? host[..host.LastIndexOf(':')] : host;

    /// <summary>The stores by route, as they are now.</summary>
    public IReadOnlyDictionary<string, ResponseStore> Stores
    {
        get { lock (_lock) return _stores; }
    }
}
