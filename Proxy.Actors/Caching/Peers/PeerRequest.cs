using Proxy.Actors.Exchange;
using Proxy.Actors.Upstream;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Caching.Peers;

/// <summary>
/// The request a non-owner sends to a key's owner (E5), and the owner's reading of it. It is the client's request as the
/// origin would get it (hop-by-hop fields gone, forwarding fields for the real client, <c>Via</c>), so the owner sends
/// it on unchanged, plus two fields the owner takes off first: the route it belongs to (routes are the cluster's, so the
/// owner has the same one) and the scheme the client used (part of the cache key). The owner's own answers that mean
/// "not here, ask the origin" carry <see cref="DeclinedField"/>.
/// </summary>
public static class PeerRequest
{
    public const string RouteField = "Proxy-Cache-Route";
    public const string SchemeField = "Proxy-Cache-Scheme";
    /// <summary>On the node's own requests to its internal listener (background revalidation, warming): the request runs
    /// the route's cache as a client's would (<see cref="Exchange.RoutePipeline.Local"/>), not as the key's owner.</summary>
    public const string LocalField = "Proxy-Cache-Local";
    /// <summary>On an owner's answer: it could not serve the key (no such route or cache there): the asker goes to the
    /// origin.</summary>
    public const string DeclinedField = "Proxy-Cache-Declined";

    /// <summary>A copy of <paramref name="exchange"/>'s request for the owner (the client's request is left as it is, for
    /// the origin if the owner is not reached).</summary>
    public static HttpRequestHead For(IExchange exchange, string route, bool addForwarded)
    {
        var request = exchange.Request!;
        var headers = new HttpHeaderList(request.Headers.Count + 6);
        foreach (var field in request.Headers) headers.Add(field.Key, field.Value);
        var target = UpstreamRequestWriter.TargetFor(request, throughProxy: false, rewritten: null);
        var copy = new HttpRequestHead
        {
            Method = request.Method, Target = target, Path = request.Path, Query = request.Query, Version = 11, Headers = headers,
            Host = request.Host, Authority = request.Authority, KeepAlive = true,
        };
        ForwardingHeaders.Prepare(copy, exchange.Client, exchange.Secure, addForwarded);
        // A client's own copy of the node's fields must not steer the owner (a local request runs the asking pipeline).
        headers.Remove(LocalField);
        headers.Set(RouteField, route);
        headers.Set(SchemeField, exchange.Secure ? "https" : "http");
        return copy;
    }

    /// <summary>
    /// The node's own GET of <paramref name="target"/> for <paramref name="route"/>'s cache, to its internal listener: a
    /// background revalidation (<paramref name="revalidate"/>: <c>Cache-Control: no-cache</c>, with the fields of the
    /// request that found the response stale, which its Vary may select by) or a warming fetch.
    /// </summary>
    public static HttpRequestHead Local(string route, bool secure, string authority, string target, HttpHeaderList? fields, bool revalidate)
    {
        var headers = new HttpHeaderList((fields?.Count ?? 0) + 5);
        if (fields is not null)
            foreach (var field in fields)
                if (!IsConditionalOrControl(field.Key)) headers.Add(field.Key, field.Value);
        HopByHopHeaders.Strip(headers);
        headers.Set("Host", authority);
        if (revalidate) headers.Set("Cache-Control", "no-cache");
        headers.Set(RouteField, route);
        headers.Set(SchemeField, secure ? "https" : "http");
        headers.Set(LocalField, "1");
        var query = target.IndexOf('?');
        return new HttpRequestHead
        {
            Method = "GET", Target = target, Path = query < 0 ? target : target[..query], Query = query < 0 ? "" : target[(query + 1)..],
            Version = 11, Headers = headers, Host = authority, Authority = authority, KeepAlive = true,
        };
    }

    /// <summary>The client's own conditionals and cache directives are not the refresh's.</summary>
    private static bool IsConditionalOrControl(string name) =>
        name.StartsWith("If-", StringComparison.OrdinalIgnoreCase) || name.Equals("Cache-Control", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Pragma", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase);

    /// <summary>On the node that gets it: takes the fields off <paramref name="request"/>; false when the route or scheme
    /// is missing. <paramref name="local"/>: the node's own request (<see cref="Local"/>).</summary>
    public static bool TryRead(HttpRequestHead request, out string route, out bool secure, out bool local)
    {
        route = request.Headers.Get(RouteField) ?? "";
        var scheme = request.Headers.Get(SchemeField);
        secure = scheme == "https";
        local = request.Headers.Get(LocalField) == "1";
        request.Headers.Remove(RouteField);
        request.Headers.Remove(SchemeField);
        request.Headers.Remove(LocalField);
        return route.Length > 0 && scheme is "http" or "https";
    }
}
