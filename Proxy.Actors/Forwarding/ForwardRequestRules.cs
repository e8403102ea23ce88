using Proxy.Shared.Forwarding;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Forwarding;

/// <summary>
/// X1, X3: what a forward listener decides about a request before any connection is made. An https:// target needs
/// CONNECT; a target must be named and its name allowed by the target guard; the upstream proxy is the one the
/// <c>X-Proxy-To</c> header (as configured) names, else the listener's default, and with neither a CONNECT is a direct
/// tunnel while anything else is refused; the upstream must be allowed by the upstream guard. A pure function of the
/// head and the listener's runtime, so every refusal is tested without a socket. No detail repeats a password.
/// </summary>
public static class ForwardRequestRules
{
    public static ForwardPlan Decide(HttpRequestHead head, ForwardRuntime forward)
    {
        var connect = head.Method == "CONNECT";
        // A refused CONNECT closes the connection: bytes the client sent after it are the tunnel's, not a request.
        var closeOnRefusal = head.HasBody || connect;
        if (!connect && head.Target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return ForwardPlan.Refuse(ProxyError.ForwardNeedsConnect, head.HasBody);
        if (head.Authority.Length == 0) return ForwardPlan.Refuse(ProxyError.ForwardTargetMissing, head.HasBody);
        if (!forward.TargetGuard.AllowsName(HostSyntax.HostWithoutPort(head.Authority), out var denied))
            return ForwardPlan.Refuse(ProxyError.TargetNotAllowed, closeOnRefusal, "target not allowed: " + denied);

        var headerName = forward.Settings.Header;
        string? value = null;
        var count = 0;
        var headers = head.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            if (!headers[i].Key.Equals(headerName, StringComparison.OrdinalIgnoreCase)) continue;
            value = headers[i].Value;
            count++;
        }
        UpstreamProxy? proxy;
        if (count > 1)
            return ForwardPlan.Refuse(ProxyError.UpstreamProxyHeaderInvalid, closeOnRefusal, $"more than one {headerName} header");
        if (count == 1)
        {
            if (!UpstreamProxy.TryParse(value, out proxy, out var invalid))
                return ForwardPlan.Refuse(ProxyError.UpstreamProxyHeaderInvalid, closeOnRefusal, $"invalid {headerName} header: the value {invalid}");
        }
        else
        {
            proxy = forward.DefaultUpstream;
            if (proxy is null && !connect)
                return ForwardPlan.Refuse(ProxyError.UpstreamProxyHeaderInvalid, closeOnRefusal,
                    $"missing {headerName} header: name the upstream proxy as [http://][user:pass@]host:port");
        }
        if (proxy is not null && !forward.UpstreamGuard.AllowsName(proxy.Host, out denied))
            return ForwardPlan.Refuse(ProxyError.UpstreamProxyNotAllowed, closeOnRefusal, "upstream proxy not allowed: " + denied);
        return new ForwardPlan(null, null, false, proxy);
    }
}

/// <summary>What <see cref="ForwardRequestRules"/> decided: a refusal (<see cref="Error"/>, its detail, whether the
/// connection closes after it) or the upstream proxy to go through (null: a direct CONNECT tunnel).</summary>
public readonly record struct ForwardPlan(ProxyError? Error, string? Detail, bool CloseAfterRefusal, UpstreamProxy? Proxy)
{
    public static ForwardPlan Refuse(ProxyError error, bool close, string? detail = null) => new(error, detail, close, null);
}
