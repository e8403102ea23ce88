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

    public ResponseCaches(string cacheName) => CacheName = cacheName;

    /// <summary>How this node names itself in <c>Cache-Status</c> (RFC 9211).</summary>
    public string CacheName { get; }

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

    /// <summary>The stores by route, as they are now.</summary>
    public IReadOnlyDictionary<string, ResponseStore> Stores
    {
        get { lock (_lock) return _stores; }
    }
}
