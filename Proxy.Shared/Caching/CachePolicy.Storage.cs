using Proxy.Shared.Http;

namespace Proxy.Shared.Caching;

/// <summary>
/// The HTTP caching policy of a shared cache (RFC 9111, with RFC 5861's stale-* extensions) as pure functions:
/// what may be stored, for how long it is fresh, how it may be reused, how it is validated and invalidated, and
/// how it is keyed. The store and the proxy filter hold the state and call these.
/// </summary>
public static partial class CachePolicy
{
    /// <summary>
    /// Whether a shared cache stores <paramref name="response"/> to <paramref name="request"/> (RFC 9111 §3, §3.5,
    /// and this product's rules). In order, it is not stored when:
    /// <list type="bullet">
    /// <item>the route's cache is disabled ("disabled");</item>
    /// <item>the method is not GET ("method X"); a HEAD is answered from a GET's entry but never stored;</item>
    /// <item>the status is not 200, 203, 204, 300, 301, 404 or 410 ("status N"); 206 and 304 never are;</item>
    /// <item>the request or response has <c>no-store</c> ("no-store", §5.2.1.5/§5.2.2.5), except that a response's
    /// no-store is ignored under <c>must-understand</c>, since every status stored here is understood (§5.2.2.3);</item>
    /// <item>the response has unqualified <c>private</c> ("private", §5.2.2.7; a qualified one only removes fields);</item>
    /// <item>the request has <c>Authorization</c> and the response none of public, s-maxage, must-revalidate
    /// ("authorization", §3.5);</item>
    /// <item>the response has <c>Vary: *</c> ("vary *", §4.1: it can never match);</item>
    /// <item>the response has <c>Set-Cookie</c>, not removed by a qualified private/no-cache, and
    /// <see cref="CacheSettings.StoreSetCookie"/> is off ("set-cookie");</item>
    /// <item>its Content-Length exceeds <see cref="CacheSettings.MaxObjectBytes"/> ("too large");</item>
    /// <item>it has unqualified <c>no-cache</c> but no validator (ETag or Last-Modified): every reuse would need a
    /// full response that replaces it anyway ("no-cache without validator");</item>
    /// <item>it has no freshness information: none of s-maxage, max-age (even an invalid one, which stores it as
    /// stale), Expires, a <see cref="CacheSettings.DefaultTtl"/> above zero, or unqualified no-cache with a
    /// validator (stored, always revalidated) ("no freshness"). Heuristic freshness (§4.2.2) is not used.</item>
    /// </list>
    /// </summary>
    public static StoreDecision Storable(HttpRequestHead request, CacheControl requestCc, HttpResponseHead response,
        CacheControl responseCc, CacheSettings settings)
    {
        if (!settings.Enabled) return StoreDecision.No("disabled");
        if (request.Method != "GET") return StoreDecision.No("method " + request.Method);
        if (!IsStorableStatus(response.Status)) return StoreDecision.No("status " + response.Status);
        if (requestCc.NoStore || (responseCc.NoStore && !responseCc.MustUnderstand)) return StoreDecision.No("no-store");
        if (responseCc.Private) return StoreDecision.No("private");
        if (request.Headers.Contains("Authorization") && !(responseCc.Public || responseCc.SMaxAge.HasValue || responseCc.MustRevalidate))
            return StoreDecision.No("authorization");
        var headers = response.Headers;
        if (VaryFields(response) is ["*"]) return StoreDecision.No("vary *");
        if (!settings.StoreSetCookie && headers.Contains("Set-Cookie") && !Lists("Set-Cookie", responseCc.PrivateFields)
            && !Lists("Set-Cookie", responseCc.NoCacheFields))
            return StoreDecision.No("set-cookie");
        if (response.ContentLength > settings.MaxObjectBytes) return StoreDecision.No("too large");
        var hasValidator = headers.Contains("ETag") || headers.Contains("Last-Modified");
        if (responseCc.NoCache) return hasValidator ? StoreDecision.Yes : StoreDecision.No("no-cache without validator");
        var explicitFreshness = responseCc.SMaxAge.HasValue || responseCc.MaxAge.HasValue || responseCc.InvalidFreshness
                                || headers.Contains("Expires");
        return explicitFreshness || settings.DefaultTtl > TimeSpan.Zero ? StoreDecision.Yes : StoreDecision.No("no freshness");
    }

    /// <summary>
    /// The status codes this cache stores: the heuristically cacheable ones of RFC 9110 §15.1 that it handles
    /// (200, 203, 204, 300, 301, 404, 410). 206 (partial content) and 304 are never stored.
    /// </summary>
    public static bool IsStorableStatus(int status) => status is 200 or 203 or 204 or 300 or 301 or 404 or 410;

    /// <summary>
    /// Removes from a response's header fields those a shared cache must not store (RFC 9111 §3.1): the fields a
    /// qualified <c>private</c> names (§5.2.2.7), those a qualified <c>no-cache</c> names (§5.2.2.4: the stored
    /// copy may then be reused without validation), and the proxy-specific Proxy-Authenticate,
    /// Proxy-Authentication-Info and Proxy-Authorization. Hop-by-hop fields are <see cref="HopByHopHeaders"/>'s job.
    /// Call it on what is stored, both after the first response and after <see cref="MergeNotModified"/>.
    /// </summary>
    public static void RemoveUnstorableFields(HttpHeaderList headers, CacheControl responseCc)
    {
        foreach (var name in responseCc.PrivateFields) headers.Remove(name);
        foreach (var name in responseCc.NoCacheFields) headers.Remove(name);
        headers.Remove("Proxy-Authenticate");
        headers.Remove("Proxy-Authentication-Info");
        headers.Remove("Proxy-Authorization");
    }

    /// <summary>
    /// Adds a <c>Date</c> field set to <paramref name="responseTime"/> when a response has none (or an invalid
    /// one), as a recipient with a clock MUST before caching or forwarding it (RFC 9110 §6.6.1).
    /// </summary>
    /// <returns>Whether the field was added.</returns>
    public static bool AddDateIfMissing(HttpHeaderList responseHeaders, DateTimeOffset responseTime)
    {
        if (HttpDate.TryParse(responseHeaders.Get("Date"), out _)) return false;
        responseHeaders.Set("Date", HttpDate.Format(responseTime));
        return true;
    }

    private static bool Lists(string name, IReadOnlyList<string> fields)
    {
        for (var i = 0; i < fields.Count; i++)
            if (string.Equals(fields[i], name, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
