using Proxy.Actors.Pools;
using Proxy.Shared.Http;

namespace Proxy.Actors.Caching.Peers;

/// <summary>
/// A request the node makes for its cache outside any client's exchange (RFC 5861 §3 background revalidation, warming):
/// sent to the node's own internal listener, where it runs as a real exchange of the route (the cache, asking the key's
/// owner or going to the origin with the pool's picks, retries and breakers, and storing what comes back), and its
/// response is read to the end and dropped: what matters is what the exchange stored.
/// </summary>
public static class BackgroundFetch
{
    /// <summary>How long the fetch waits for the response head (an origin may be slow; nobody waits for it).</summary>
    public static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The response's status (0: none came).</summary>
    public static async Task<int> RunAsync(Backend self, HttpRequestHead request)
    {
        using var fetch = await OwnerFetch.AskAsync(self, request, HeadTimeout).ConfigureAwait(false);
        if (fetch is null) return 0;
        try
        {
            while (!(await fetch.ReadAsync().ConfigureAwait(false)).Last)
            {
            }
        }
        catch (IOException)
        {
            return 0;
        }
        return fetch.Head.Status;
    }
}
