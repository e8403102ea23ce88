using Akka.Event;
using Proxy.Actors.Pools;
using Proxy.Shared.Caching;
using Proxy.Shared.Configuration;

namespace Proxy.Actors.Caching.Peers;

/// <summary>
/// <c>cache.warm</c>: once a node has joined the cluster's cache, it requests each route's warm list through its own
/// internal listener, as a client's request would meet the cache: a key another node owns is fetched by that owner
/// (from its store, or once from the origin for every node) and copied here; a key this node owns is fetched from the
/// origin. One request at a time: warming must not compete with clients for the origin.
/// </summary>
public static class CacheWarmer
{
    /// <summary>What warming did: the requests that got a response below 400, and the others with their status.</summary>
    public sealed record Outcome(int Requested, int Fetched, IReadOnlyList<string> Failed);

    /// <summary>Warms the node's cache with the routes' lists of the settings it runs now, and logs what came of it
    /// (info when every request got its response, warning naming the others).</summary>
    public static async Task WarmAndLogAsync(Func<ProxySettings> settings, CacheOwners owners, ILoggingAdapter log)
    {
        if (owners.Self is not { } self) return;
        Outcome outcome;
        try
        {
            outcome = await WarmAsync(settings(), self).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            log.Error(e, "Cache warm failed");
            return;
        }
        if (outcome.Requested == 0) return;
        if (outcome.Failed.Count == 0) log.Info("Cache warm: {0} of {0} fetched", outcome.Requested);
        else log.Warning("Cache warm: {0} of {1} fetched; not: {2}", outcome.Fetched, outcome.Requested, string.Join("; ", outcome.Failed));
    }

    public static async Task<Outcome> WarmAsync(ProxySettings settings, Backend self)
    {
        var requested = 0;
        var fetched = 0;
        var failed = new List<string>();
        foreach (var route in settings.Routes)
        foreach (var target in CacheWarmTarget.For(route))
        {
            requested++;
            var status = await BackgroundFetch.RunAsync(self,
                PeerRequest.Local(route.Name, target.Secure, target.Authority, target.Target, fields: null, revalidate: false)).ConfigureAwait(false);
            if (status is >= 200 and < 400) fetched++;
            else failed.Add($"{route.Name}: {(target.Secure ? "https" : "http")}://{target.Authority}{target.Target} ({(status == 0 ? "no response" : status)})");
        }
        return new Outcome(requested, fetched, failed);
    }
}
