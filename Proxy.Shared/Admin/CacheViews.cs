namespace Proxy.Shared.Admin;

/// <summary><c>GET /api/cache/stats</c>: each route's cache per node, and the routes' totals over the nodes that
/// answered; members that did not answer are named; and which members each node shares the keys with.</summary>
public sealed record CacheStatsView(IReadOnlyList<CacheStatsRow> Nodes, IReadOnlyList<CacheStatsRow> Totals, IReadOnlyList<string> Unanswered,
    IReadOnlyList<CacheOwnersView> Owners);

/// <summary>The members <paramref name="Node"/> spreads the cache keys over (itself among them; none when it caches on
/// its own). Nodes that see different members disagree on some keys' owners until membership settles.</summary>
public sealed record CacheOwnersView(string Node, IReadOnlyList<string> Members);

/// <summary>One route's cache on one node (or, in the totals, on all of them: <paramref name="Node"/> is null). The hit
/// ratio is hits (and requests that shared another's fetch) over the requests the node's store decided (hits, misses,
/// stale, coalesced); <paramref name="FromOwner"/> counts the node's requests for keys another node owns, which that
/// owner decided and counted.</summary>
public sealed record CacheStatsRow(string? Node, string Route, long Entries, long Bytes, long Hits, long Misses, long Stale, long Coalesced,
    long FromOwner, double HitRatio);

/// <summary><c>POST /api/cache/purge</c>: what was purged and each member's acknowledgement (how many responses it
/// removed); members that did not answer are named and the answer is 504.</summary>
public sealed record CachePurgeView(string Purged, IReadOnlyList<CachePurgeAck> Members, IReadOnlyList<string> Unanswered);

public sealed record CachePurgeAck(string Node, long Removed);
