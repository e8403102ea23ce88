namespace Proxy.Shared.Caching;

/// <summary>
/// What a route's HTTP cache does: its size limits, key, default freshness and the stale-content extensions it
/// applies (RFC 9111, RFC 5861). Immutable; the defaults are those of <see cref="Default"/>.
/// </summary>
public sealed record CacheSettings
{
    private static readonly IReadOnlyList<CacheKeyPart> DefaultKey =
        Array.AsReadOnly(new[] { CacheKeyPart.Host, CacheKeyPart.Path, CacheKeyPart.Query });

    /// <summary>The settings a route's cache has unless configured otherwise.</summary>
    public static CacheSettings Default { get; } = new();

    /// <summary>Whether the route caches at all.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The most memory all stored responses of the route may take (256 MiB).</summary>
    public long MaxMemoryBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The largest response body stored (8 MiB); larger ones pass through.</summary>
    public long MaxObjectBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>
    /// Freshness lifetime of a response that carries no explicit expiration (no s-maxage, max-age or Expires);
    /// zero means such responses are not stored. It replaces heuristic freshness (RFC 9111 §4.2.2), which this
    /// product does not compute.
    /// </summary>
    public TimeSpan DefaultTtl { get; init; } = TimeSpan.Zero;

    /// <summary>The request parts the primary key is built from, in this order (see <see cref="CachePolicy.PrimaryKey"/>).</summary>
    public IReadOnlyList<CacheKeyPart> Key { get; init; } = DefaultKey;

    /// <summary>
    /// Whether a response's own <c>stale-while-revalidate=N</c> (RFC 5861 §3) is honoured: served stale within N
    /// seconds while it is revalidated in the background. The window always comes from the response.
    /// </summary>
    public bool StaleWhileRevalidate { get; init; } = true;

    /// <summary>
    /// How stale a stored response may be served when the origin fails and neither request nor response carries
    /// <c>stale-if-error</c> (RFC 5861 §4; the "out-of-band" permission of RFC 9111 §4.2.4). Zero turns it off.
    /// </summary>
    public TimeSpan StaleIfError { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// In a cluster (E5): whether a node keeps a copy of what a key's owner served it, so that its next requests for
    /// the key are hits on the node itself (two-tier, as a CDN's edge and its fetching node). Copies live in the same
    /// store (its max-memory and LRU bound them), age from the owner's <c>Age</c>, and are purged with the owner's.
    /// Off: a key is stored on its owner only, and every other node's request for it is one hop to the owner.
    /// </summary>
    public bool LocalCopies { get; init; } = true;

    /// <summary>When set, <c>PURGE /path</c> with <c>Authorization: Bearer</c> and this token purges the URL on every node
    /// (never sent to the origin); null: PURGE is forwarded like any method. A secret: never logged.</summary>
    public string? PurgeToken { get; init; }

    /// <summary>Whether responses carrying <c>Set-Cookie</c> are stored (and then served to every client).</summary>
    public bool StoreSetCookie { get; init; }

    /// <summary>What a node fetches into the cache once it has joined the cluster (each through the key's owner):
    /// <c>/path?query</c> for each exact host the route matches, or <c>http(s)://host/path?query</c>.</summary>
    public IReadOnlyList<string> Warm { get; init; } = [];
}
