using Proxy.Shared.Caching;
using Proxy.Shared.Http;

namespace Proxy.Actors.Caching;

/// <summary>
/// One cache's stored responses on this node, bounded by bytes (max-memory): the least recently used entries go first
/// when a new one needs room. A primary key (method, host, path, query as configured) holds one entry per variant: the
/// response's Vary fields name the request fields whose values select it (RFC 9111 §4.1).
/// </summary>
/// <remarks>
/// Hand-written rather than BitFaster.Caching or Microsoft.Extensions.Caching.Memory: BitFaster's caches bound the
/// number of entries, not their bytes, and MemoryCache's size limit is enforced by a compaction that runs after the
/// limit is passed (overshoot) and evicts by priority rather than recency. Entries here range from bytes to megabytes,
/// so the bound must be on bytes and exact. One lock: a hit takes it for a dictionary lookup and a list move.
/// </remarks>
public sealed class ResponseStore
{
    private readonly object _lock = new();
    private readonly Dictionary<string, List<LinkedListNode<CachedResponse>>> _byKey = new(StringComparer.Ordinal);
    /// <summary>Most recently used first.</summary>
    private readonly LinkedList<CachedResponse> _recency = new();
    private long _bytes;

    public ResponseStore(long maxBytes, long maxObjectBytes)
    {
        MaxBytes = maxBytes;
        MaxObjectBytes = maxObjectBytes;
    }

    /// <summary>Origin fetches in flight by primary key, which requests for the same key wait for instead of asking the
    /// origin again (<see cref="InflightFill"/>).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, InflightFill> Inflight { get; } = new(StringComparer.Ordinal);

    public long MaxBytes { get; }
    public long MaxObjectBytes { get; }

    public long Bytes
    {
        get { lock (_lock) return _bytes; }
    }

    public int Count
    {
        get { lock (_lock) return _recency.Count; }
    }

    /// <summary>The entry of <paramref name="primaryKey"/> whose variant matches the request's fields; the miss says
    /// whether the URI had no entry at all (<see cref="CacheForward.UriMiss"/>) or none for these field values
    /// (<see cref="CacheForward.VaryMiss"/>).</summary>
    public CachedResponse? Find(string primaryKey, HttpHeaderList requestHeaders, out CacheForward miss)
    {
        lock (_lock)
        {
            if (!_byKey.TryGetValue(primaryKey, out var variants))
            {
                miss = CacheForward.UriMiss;
                return null;
            }
            foreach (var node in variants)
            {
                var entry = node.Value;
                var secondary = entry.VaryFields is null ? "" : CachePolicy.SecondaryKey(entry.VaryFields, requestHeaders);
                if (secondary != entry.SecondaryKey) continue;
                _recency.Remove(node);
                _recency.AddFirst(node);
                miss = default;
                return entry;
            }
            miss = CacheForward.VaryMiss;
            return null;
        }
    }

    /// <summary>Stores <paramref name="entry"/>, replacing the variant with the same secondary key, and evicts the least
    /// recently used entries over max-memory. False when the entry alone is over max-object or max-memory.</summary>
    public bool Put(CachedResponse entry)
    {
        if (entry.Size > MaxObjectBytes + 64 * 1024 || entry.Size > MaxBytes) return false;
        lock (_lock)
        {
            if (!_byKey.TryGetValue(entry.PrimaryKey, out var variants))
                _byKey[entry.PrimaryKey] = variants = new List<LinkedListNode<CachedResponse>>(1);
            for (var i = 0; i < variants.Count; i++)
            {
                if (variants[i].Value.SecondaryKey != entry.SecondaryKey) continue;
                Unlink(variants[i]);
                variants.RemoveAt(i);
                break;
            }
            var node = _recency.AddFirst(entry);
            variants.Add(node);
            _bytes += entry.Size;
            while (_bytes > MaxBytes && _recency.Last is { } oldest && !ReferenceEquals(oldest, node)) Evict(oldest);
            return true;
        }
    }

    /// <summary>Removes every variant of <paramref name="primaryKey"/>; the number removed.</summary>
    public int Remove(string primaryKey)
    {
        lock (_lock)
        {
            if (!_byKey.Remove(primaryKey, out var variants)) return 0;
            foreach (var node in variants) Unlink(node);
            return variants.Count;
        }
    }

    /// <summary>Removes every stored response <paramref name="purged"/> selects (a purge); the number removed.</summary>
    public int RemoveWhere(Func<CachedResponse, bool> purged)
    {
        lock (_lock)
        {
            var removed = 0;
            for (var node = _recency.First; node is not null;)
            {
                var next = node.Next;
                if (purged(node.Value))
                {
                    Evict(node);
                    removed++;
                }
                node = next;
            }
            return removed;
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _refreshing = new(StringComparer.Ordinal);

    /// <summary>Starts the one background revalidation of <paramref name="key"/>; false when one is under way.</summary>
    public bool TryBeginRefresh(string key) => _refreshing.TryAdd(key, 0);

    public void EndRefresh(string key) => _refreshing.TryRemove(key, out _);

    // Counted as requests fare (Interlocked: any connection's thread), read by stats and metrics.
    private long _hits, _misses, _stale, _coalesced, _fromOwner;

    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);
    public long Stale => Interlocked.Read(ref _stale);
    public long Coalesced => Interlocked.Read(ref _coalesced);
    public long FromOwner => Interlocked.Read(ref _fromOwner);

    /// <summary>A request answered from the store (fresh, or a client's 304).</summary>
    public void CountHit() => Interlocked.Increment(ref _hits);
    /// <summary>A request sent to the origin because nothing was stored for it.</summary>
    public void CountMiss() => Interlocked.Increment(ref _misses);
    /// <summary>A request whose stored response was stale (revalidated, refetched, or served because the origin failed).</summary>
    public void CountStale() => Interlocked.Increment(ref _stale);
    /// <summary>A request that waited for another's origin fetch and shared its response.</summary>
    public void CountCoalesced() => Interlocked.Increment(ref _coalesced);
    /// <summary>A request this node missed and the key's owner answered (counted there as its hit, miss or wait).</summary>
    public void CountFromOwner() => Interlocked.Increment(ref _fromOwner);

    private void Evict(LinkedListNode<CachedResponse> node)
    {
        var key = node.Value.PrimaryKey;
        Unlink(node);
        if (!_byKey.TryGetValue(key, out var variants)) return;
        variants.Remove(node);
        if (variants.Count == 0) _byKey.Remove(key);
    }

    private void Unlink(LinkedListNode<CachedResponse> node)
    {
        _recency.Remove(node);
        _bytes -= node.Value.Size;
    }
}
