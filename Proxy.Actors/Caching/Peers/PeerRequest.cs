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
        headers.Set(RouteField, route);
        headers.Set(SchemeField, exchange.Secure ? "https" : "http");
        return copy;
    }

    /// <summary>On the owner: takes the two fields off <paramref name="request"/>; false when either is missing.</summary>
    public static bool TryRead(HttpRequestHead request, out string route, out bool secure)
    {
        route = request.Headers.Get(RouteField) ?? "";
        var scheme = request.Headers.Get(SchemeField);
        secure = scheme == "https";
        request.Headers.Remove(RouteField);
        request.Headers.Remove(SchemeField);
        return route.Length > 0 && scheme is "http" or "https";
    }
}
