using Akka.Actor;
using Akka.Cluster;
using Proxy.Shared.Caching;

namespace Proxy.Actors.Caching;

/// <summary>
/// The node's cache agent (<c>/user/cache</c>): answers any member's <see cref="GetCacheStats"/> with this node's
/// stores' figures and carries out a <see cref="PurgeCache"/> on them, for <c>pbm cache stats</c> and
/// <c>pbm cache purge</c> asked through any node (the admin API asks every Up member and reports each one's answer);
/// and tells the other members' <see cref="Peers.CacheMembership"/> where its internal cache listener is.
/// </summary>
public sealed class CacheAgent : ReceiveActor
{
    public const string Name = "cache";

    /// <param name="listener">The internal cache listener's advertised host and port; null: none (cache-cluster off).</param>
    public CacheAgent(ResponseCaches caches, (string Host, int Port)? listener = null)
    {
        var node = Cluster.Get(Context.System).SelfAddress.ToString();
        Receive<GetCacheStats>(_ => Sender.Tell(new CacheStatsSnapshot(node, caches.Stores
            .OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => new CacheRouteStats(s.Key, s.Value.Count, s.Value.Bytes, s.Value.Hits, s.Value.Misses, s.Value.Stale, s.Value.Coalesced,
                s.Value.FromOwner))
            .ToList(), caches.Owners?.Members ?? [])));
        Receive<PurgeCache>(purge => Sender.Tell(new CachePurged(node, caches.Purge(purge))));
        Receive<GetCachePeer>(_ => Sender.Tell(new CachePeer(node, listener?.Host ?? "", listener?.Port ?? 0)));
    }

    public static Props Props(ResponseCaches caches, (string Host, int Port)? listener = null) =>
        Akka.Actor.Props.Create(() => new CacheAgent(caches, listener));
}
