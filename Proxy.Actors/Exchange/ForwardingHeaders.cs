using Proxy.Shared.Http;

namespace Proxy.Actors.Exchange;

/// <summary>
/// What an intermediary does to the fields of a message it forwards (RFC 9110 §7.6): hop-by-hop fields removed, its
/// own <c>Via</c> appended, and on a request the forwarding fields (<c>X-Forwarded-*</c>, optionally RFC 7239
/// <c>Forwarded</c>) and a <c>Host</c> when the client sent none. Pure functions of the head, shared by reverse and
/// forward exchanges.
/// </summary>
public static class ForwardingHeaders
{
    /// <summary>Rewrites a request's header list once, before its upstream request filters run.</summary>
    public static void Prepare(HttpRequestHead head, string client, bool secure, bool addForwarded)
    {
        var headers = head.Headers;
        StripHopByHop(head);
        // The proxy answers 100-continue itself once the backend connection is ready.
        headers.Remove("Expect");
        var xff = headers.Get("X-Forwarded-For");
        headers.Set("X-Forwarded-For", xff is null ? client : xff + ", " + client);
        var proto = secure ? "https" : "http";
        headers.Set("X-Forwarded-Proto", proto);
        if (head.Authority.Length > 0) headers.Set("X-Forwarded-Host", head.Authority);
        if (addForwarded)
        {
            var forClient = client.Contains(':') ? "\"[" + client + "]\"" : client;
            var forwarded = "for=" + forClient + ";proto=" + proto + (head.Authority.Length > 0 ? ";host=\"" + head.Authority + "\"" : "");
            var existing = headers.Get("Forwarded");
            headers.Set("Forwarded", existing is null ? forwarded : existing + ", " + forwarded);
        }
        AppendVia(headers, head.Version);
        if (head.Version == 10 && head.Authority.Length == 0) return;
        if (!headers.Contains("Host")) headers.Add("Host", head.Authority);
    }

    /// <summary>Rewrites a request a forward listener sends through an upstream proxy: its own routing header and the
    /// client's hop-by-hop fields (Proxy-Authorization, Proxy-Connection among them) go, the node's credentials for the
    /// upstream (if any) come.</summary>
    public static void PrepareForUpstreamProxy(HttpRequestHead head, string routingHeader, string? proxyAuthorization)
    {
        var headers = head.Headers;
        headers.Remove(routingHeader);
        StripHopByHop(head);
        headers.Remove("Expect");
        AppendVia(headers, head.Version);
        if (!headers.Contains("Host")) headers.Add("Host", head.Authority);
        if (proxyAuthorization is not null) headers.Add("Proxy-Authorization", proxyAuthorization);
    }

    /// <summary>Appends this proxy to <c>Via</c> with the protocol version the message came with.</summary>
    public static void AppendVia(HttpHeaderList headers, int version)
    {
        var via = headers.Get("Via");
        var ours = version == 10 ? "1.0 akka-proxy" : "1.1 akka-proxy";
        headers.Set("Via", via is null ? ours : via + ", " + ours);
    }

    /// <summary>Hop-by-hop removal for a request (reverse and forward alike). A protocol switch the client asks
    /// for is end to end for us (E2: we splice after the 101), so its Upgrade fields go on.</summary>
    public static void StripHopByHop(HttpRequestHead head)
    {
        var headers = head.Headers;
        var upgrade = head.IsUpgrade && !head.HasBody ? headers.Get("Upgrade") : null;
        HopByHopHeaders.Strip(headers);
        // Trailers go on only in a chunked body (the request is sent with the framing it came with).
        if (!head.Chunked) headers.Remove("Trailer");
        if (upgrade is null) return;
        headers.Add("Connection", "Upgrade");
        headers.Add("Upgrade", upgrade);
    }
}
