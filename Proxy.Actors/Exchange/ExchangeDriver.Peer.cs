using Proxy.Actors.Caching.Peers;
using Proxy.Actors.Connections;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

// E5: a request from another node of the cluster, on this node's internal cache listener, for a key this node owns. The
// asking node ran the route's middleware and prepared the request as the origin is to get it; here only the route's
// owner pipeline runs (the cache, then the route's upstream request filters), and a miss goes to the route's pool. The
// node's own requests (background revalidation, warming) come the same way and run the route's local pipeline.
internal sealed partial class ExchangeDriver
{
    private void BeginPeer(HttpRequestHead head, RuntimeSnapshot snapshot)
    {
        var exchange = Exchange;
        if (snapshot.Caches?.Owners is not { } owners || !owners.IsPeer(exchange.Client))
        {
            // Nothing but the cluster's nodes may use a listener that runs no route middleware.
            Finish();
            _front.RespondLocal(ProxyError.ClientNotAllowed, close: true, "not a member of the cluster", extra: Declined);
            return;
        }
        if (!PeerRequest.TryRead(head, out var routeName, out var secure, out var local) ||
            snapshot.Routes.Named(routeName) is not { } route ||
            (local ? snapshot.PipelineFor(route).Local : snapshot.PipelineFor(route).Peer) is not { } pipeline ||
            !snapshot.Pools.TryGetValue(PoolNameFor(route, head), out var pool))
        {
            Finish();
            _front.RespondLocal(ProxyError.NotCacheOwner, close: head.HasBody, extra: Declined);
            return;
        }
        exchange.Secure = secure;
        exchange.Route = route;
        exchange.Pool = pool;
        exchange.Pipeline = pipeline;
        // The node's own request is prepared here like a client's (its client is the node).
        exchange.FromCachePeer = !local;
        RunRequestFilters();
    }

    /// <summary>Marks the answers that send the asking node to the origin (copied into each answer, never changed).</summary>
    private static readonly HttpHeaderList Declined = DeclinedFields();

    private static HttpHeaderList DeclinedFields()
    {
        var fields = new HttpHeaderList(1);
        fields.Add(PeerRequest.DeclinedField, "1");
        return fields;
    }
}
