using Proxy.Shared.Cluster;

namespace Proxy.Shared.Caching;

/// <summary>Asks a node's cache agent (<c>/user/cache</c>) for its stores' figures; answered with
/// <see cref="CacheStatsSnapshot"/>.</summary>
public sealed record GetCacheStats : IClusterMessage
{
    public static readonly GetCacheStats Instance = new();
}

/// <summary>One node's cache figures, per route with a cache, and the members it shares keys with (its owner ring:
/// the nodes it sees Up and reachable with a cache listener, itself among them; empty when it caches on its own).</summary>
public sealed record CacheStatsSnapshot(string Node, IReadOnlyList<CacheRouteStats> Routes, IReadOnlyList<string> Owners) : IClusterMessage;

/// <summary>A route's store on one node: what it holds, and how requests fared since the node started (hits served
/// from the store, misses and stale entries sent to the origin, requests that waited for another's fetch, and misses
/// for keys another node owns, answered by that owner, which counts them among its own).</summary>
public sealed record CacheRouteStats(string Route, long Entries, long Bytes, long Hits, long Misses, long Stale, long Coalesced, long FromOwner);

/// <summary>Removes stored responses on the node that gets it: one URL's (every variant), every one whose path starts
/// with a prefix, or every one tagged (<c>Surrogate-Key</c> or <c>Cache-Tag</c>). Exactly one is given. Answered with
/// <see cref="CachePurged"/>.</summary>
public sealed record PurgeCache(string? Url, string? Prefix, string? Tag) : IClusterMessage;

/// <summary>A node's acknowledgement of a <see cref="PurgeCache"/>: how many stored responses it removed.</summary>
public sealed record CachePurged(string Node, long Removed) : IClusterMessage;

/// <summary>Asks a member's cache agent where its internal cache listener is (E5 cluster ownership); answered with
/// <see cref="CachePeer"/>.</summary>
public sealed record GetCachePeer : IClusterMessage
{
    public static readonly GetCachePeer Instance = new();
}

/// <summary>Where a member's internal cache listener accepts the other nodes' requests for the keys it owns;
/// <paramref name="Port"/> 0: the member has none (its cache-cluster is off).</summary>
public sealed record CachePeer(string Node, string Host, int Port) : IClusterMessage;
