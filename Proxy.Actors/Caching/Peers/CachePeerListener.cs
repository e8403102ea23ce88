using System.Net;
using Proxy.Shared.Configuration;

namespace Proxy.Actors.Caching.Peers;

/// <summary>
/// E5: the node's internal listener for the other nodes' requests for the keys it owns. A listener like the configured
/// ones (same connection stage, limits and timeouts) in <see cref="ListenerMode.CachePeer"/>: each request names its
/// route, and runs the route's owner pipeline (<see cref="Exchange.RoutePipeline.Peer"/>).
/// </summary>
public static class CachePeerListener
{
    /// <summary>Its name among the node's listeners (not a name a configured listener can clash with in practice:
    /// those are plain words).</summary>
    public const string Name = "cache:peers";

    public const string ActorName = "listener-cache-peers";

    public static ListenerSettings Settings(IPEndPoint bound) => new()
    {
        Name = Name, Address = bound.ToString(), Mode = ListenerMode.CachePeer,
    };

    /// <summary>What the other nodes connect to: the bound address, or the node's cluster host name when it is bound to
    /// every address.</summary>
    public static (string Host, int Port) Advertised(IPEndPoint bound, string clusterHost) =>
        bound.Address.Equals(IPAddress.Any) || bound.Address.Equals(IPAddress.IPv6Any)
            ? (clusterHost, bound.Port)
            : (bound.Address.ToString(), bound.Port);
}
