using Proxy.Actors.Pools;
using Proxy.Shared.Caching;
using Proxy.Shared.Configuration;

namespace Proxy.Actors.Caching.Peers;

/// <summary>
/// E5: which node owns each cache key, as this node sees the cluster now: a rendezvous ring over the Up, reachable
/// members whose internal cache listener is known (this node among them), published whole by
/// <see cref="CacheMembership"/> and read by every request without a lock. A key this node owns, or any key while the
/// ring is empty (the node is not Up yet, or cache-cluster is off), is served from this node's own store.
/// </summary>
public sealed class CacheOwners
{
    private volatile CacheOwnerRing<Backend?> _ring = CacheOwnerRing<Backend?>.Empty;
    private volatile HashSet<string> _peerAddresses = new(StringComparer.Ordinal);

    public CacheOwners(CacheClusterSettings settings) => Settings = settings;

    public CacheClusterSettings Settings { get; }

    /// <summary>The members the ring holds now, by cluster address.</summary>
    public IReadOnlyList<string> Members => _ring.Ids;

    /// <summary>The other node that owns <paramref name="key"/> (its internal listener as a backend, with its kept-alive
    /// connections); null when this node owns it or no ring is known.</summary>
    public Backend? OwnerOf(string key) => _ring.TryGetOwner(key, out var owner) ? owner : null;

    /// <summary>This node's own internal listener, for the node's requests outside a client's exchange (background
    /// revalidation, warming); null until it is bound.</summary>
    public Backend? Self { get; private set; }

    /// <summary>The node's internal listener is at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public void UseSelf(string host, int port) => Self = Listener(host, port, TimeSpan.FromSeconds(60));

    /// <summary>A node's internal cache listener as a backend: kept-alive connections, as many as requests need (a cap
    /// would send the overflow to the origin).</summary>
    public static Backend Listener(string host, int port, TimeSpan idleTimeout) => new(
        new BackendSettings { Address = new HostPort(host, port).ToString(), Host = host, Port = port },
        new UpstreamConnectionSettings { MaxPerBackend = 0, IdleTimeout = idleTimeout });

    /// <summary>The members from now on: each by cluster address, with its internal listener (null: this node).</summary>
    public void Publish(IEnumerable<(string Node, Backend? Peer)> members) => _ring = new CacheOwnerRing<Backend?>(members);

    /// <summary>The addresses the members' hosts resolve to: the only clients (besides this host's loopback) the
    /// internal listener serves.</summary>
    public void PublishPeerAddresses(IEnumerable<System.Net.IPAddress> addresses) =>
        _peerAddresses = new HashSet<string>(addresses.Select(Normalize), StringComparer.Ordinal);

    /// <summary>Whether <paramref name="client"/> (a connection's remote address) is this node or a member: the internal
    /// listener runs no route middleware (the asking node did), so nobody else may use it.</summary>
    public bool IsPeer(string client) =>
        System.Net.IPAddress.TryParse(client, out var address) &&
        (System.Net.IPAddress.IsLoopback(address) || _peerAddresses.Contains(Normalize(address)));

    private static string Normalize(System.Net.IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
