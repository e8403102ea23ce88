using Proxy.Actors.Caching.Peers;
using Proxy.Actors.Pools;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange.Filters;

// E5 in a cluster: asking a key's owner instead of the origin, and the node's own background revalidation (RFC 5861 §3)
// through its internal listener.
public sealed partial class CacheFilter
{
    /// <summary>Where a route's keys are owned: <paramref name="Owners"/> (null: here), and what the owner is asked with.</summary>
    /// <param name="AddForwarded">The request for the owner carries <c>Forwarded</c>, as the origin's would.</param>
    /// <param name="AskOwners">False on the owner's side of another node's request: every key is served from here.</param>
    public sealed record Ownership(string Route, CacheOwners? Owners, bool AddForwarded, bool AskOwners = true);

    /// <summary>
    /// A miss for a key another node owns: the owner answers (from its store, or by its one fetch from the origin for
    /// every node's requests), and this node serves its response as it streams (keeping a copy with local-copies on). When the owner is not
    /// reached, does not answer within owner-timeout, or declines, the request goes to the origin from here: the cache
    /// never makes the proxy less available than it is without one.
    /// </summary>
    private async ValueTask<FilterVerdict> AskOwner(IExchange exchange, Lookup lookup, Backend owner)
    {
        var ownership = _ownership!;
        var fetch = await OwnerFetch.AskAsync(owner, PeerRequest.For(exchange, ownership.Route, ownership.AddForwarded),
            ownership.Owners!.Settings.OwnerTimeout).ConfigureAwait(false);
        if (fetch is null || fetch.Head.Headers.Contains(PeerRequest.DeclinedField))
        {
            fetch?.Dispose();
            _store.CountMiss();
            return FilterVerdict.Continue;
        }
        lookup.FromOwner = true;
        _store.CountFromOwner();
        return FilterVerdict.Serve(fetch);
    }

    /// <summary>The other node that owns <paramref name="key"/>; null when this one does (or caches on its own).</summary>
    private Backend? OwnerElsewhere(string key) => _ownership is { AskOwners: true, Owners: { } owners } ? owners.OwnerOf(key) : null;

    /// <summary>One background revalidation per key at a time: the node's own request, with this request's fields (its
    /// Vary may select by them), runs the route's cache on the node's internal listener, where it goes to the key's
    /// owner or the origin with the stored validators and stores what comes back.</summary>
    private void RevalidateInBackground(IExchange exchange, string key, Backend self)
    {
        if (!_store.TryBeginRefresh(key)) return;
        var request = exchange.Request!;
        var refresh = PeerRequest.Local(_ownership!.Route, exchange.Secure, request.Authority.Length > 0 ? request.Authority : request.Host,
            Upstream.UpstreamRequestWriter.TargetFor(request, throughProxy: false, rewritten: null), request.Headers, revalidate: true);
        _ = Run();

        async Task Run()
        {
            try
            {
                await BackgroundFetch.RunAsync(self, refresh).ConfigureAwait(false);
            }
            finally
            {
                _store.EndRefresh(key);
            }
        }
    }
}
