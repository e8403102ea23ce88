using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange.Filters;

/// <summary>
/// E7: <c>security-headers = on</c> adds <c>X-Content-Type-Options: nosniff</c>, <c>X-Frame-Options: DENY</c>,
/// <c>Referrer-Policy: no-referrer</c> and, on TLS listeners, <c>Strict-Transport-Security: max-age=31536000</c> to
/// every response (the node's own answers too), each only where the backend did not set the field itself.
/// </summary>
public sealed class SecurityHeadersFilter : IResponseHeadFilter
{
    public static readonly SecurityHeadersFilter Instance = new();

    private SecurityHeadersFilter() { }

    public void OnResponseHead(IExchange exchange, HttpResponseHead head)
    {
        var headers = head.Headers;
        AddIfAbsent(headers, "X-Content-Type-Options", "nosniff");
        AddIfAbsent(headers, "X-Frame-Options", "DENY");
        AddIfAbsent(headers, "Referrer-Policy", "no-referrer");
        // RFC 6797 §7.2: HSTS only over a secure transport.
        if (exchange.Secure) AddIfAbsent(headers, "Strict-Transport-Security", "max-age=31536000");
    }

    private static void AddIfAbsent(HttpHeaderList headers, string name, string value)
    {
        if (!headers.Contains(name)) headers.Add(name, value);
    }
}
