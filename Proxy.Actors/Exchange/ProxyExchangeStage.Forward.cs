using Proxy.Actors.Connections;
using Proxy.Actors.Forwarding;
using Proxy.Shared.Forwarding;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

// Forward-mode listeners (X1, X3): which upstream proxy a request goes through, and the checks before it.
public sealed partial class ProxyExchangeStage
{
    private sealed partial class Logic
    {
        /// <summary>
        /// X1: a forward listener sends each request through the upstream HTTP proxy its <c>X-Proxy-To</c> header
        /// (or the configured default) names, in absolute form with <c>Proxy-Authorization</c> from the
        /// credentials; CONNECT opens a tunnel (X2). Every refusal is a 4xx with the reason; no reason repeats
        /// a password.
        /// </summary>
        private void BeginForward(HttpRequestHead head, RuntimeSnapshot snapshot)
        {
            if (!snapshot.Forwarders.TryGetValue(_stage._listener.Name, out var forward))
            {
                RespondLocal(ProxyError.ForwardNotConfigured, close: head.HasBody);
                return;
            }
            Exchange.Forward = forward;
            var connect = head.Method == "CONNECT";
            if (!connect && head.Target.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                RespondLocal(ProxyError.ForwardNeedsConnect, close: head.HasBody);
                return;
            }
            if (head.Authority.Length == 0)
            {
                RespondLocal(ProxyError.ForwardTargetMissing, close: head.HasBody);
                return;
            }
            if (!forward.TargetGuard.AllowsName(HostSyntax.HostWithoutPort(head.Authority), out var denied))
            {
                RespondLocal(ProxyError.TargetNotAllowed, close: head.HasBody || connect, "target not allowed: " + denied);
                return;
            }
            if (!TryChooseUpstream(head, forward, required: !connect, out var proxy)) return;
            if (proxy is not null && !forward.UpstreamGuard.AllowsName(proxy.Host, out denied))
            {
                RespondLocal(ProxyError.UpstreamProxyNotAllowed, close: head.HasBody || connect, "upstream proxy not allowed: " + denied);
                return;
            }
            if (proxy is not null && ResolveTargetFirst(head, forward, proxy)) return;
            ContinueForward(head, forward, proxy);
        }

        /// <summary>The target and upstream passed the guard: open the tunnel or send the request upstream.</summary>
        private void ContinueForward(HttpRequestHead head, ForwardRuntime forward, UpstreamProxy? proxy)
        {
            var connect = head.Method == "CONNECT";
            if (connect)
            {
                BeginTunnel(head, forward, proxy);
                return;
            }
            if (!forward.TryGetUpstream(proxy!, out var backend))
            {
                RespondLocal(ProxyError.TooManyUpstreamProxies, close: head.HasBody);
                return;
            }
            var exchange = Exchange;
            exchange.UpstreamProxy = proxy;
            exchange.UpstreamProxyBackend = backend;
            exchange.Pool = forward.Pool;
            exchange.Pool.Budget.RecordRequest();
            exchange.MayResend = RetrySafety.MayResend(head, forward.Settings.Retries.NonIdempotent);

            var headers = head.Headers;
            headers.Remove(forward.Settings.Header);
            ForwardingHeaders.StripHopByHop(head); // includes the client's Proxy-Authorization and Proxy-Connection
            headers.Remove("Expect");
            ForwardingHeaders.AppendVia(headers, head.Version);
            if (!headers.Contains("Host")) headers.Add("Host", head.Authority);
            if (proxy!.ProxyAuthorization is { } credentials) headers.Add("Proxy-Authorization", credentials);
            _phase = Phase.Connecting;
            StartAttempt(avoid: null);
        }

        /// <summary>The upstream proxy from the header, else the default; with neither, null for a CONNECT
        /// (a direct tunnel) and a 400 for anything else.</summary>
        private bool TryChooseUpstream(HttpRequestHead head, ForwardRuntime forward, bool required, out UpstreamProxy? proxy)
        {
            proxy = null;
            var headerName = forward.Settings.Header;
            var headers = head.Headers;
            string? value = null;
            var count = 0;
            for (var i = 0; i < headers.Count; i++)
            {
                if (!headers[i].Key.Equals(headerName, StringComparison.OrdinalIgnoreCase)) continue;
                value = headers[i].Value;
                count++;
            }
            var close = head.HasBody || head.Method == "CONNECT";
            if (count > 1)
            {
                RespondLocal(ProxyError.UpstreamProxyHeaderInvalid, close, $"more than one {headerName} header");
                return false;
            }
            if (count == 1)
            {
                if (UpstreamProxy.TryParse(value, out proxy, out var invalid)) return true;
                RespondLocal(ProxyError.UpstreamProxyHeaderInvalid, close, $"invalid {headerName} header: the value {invalid}");
                return false;
            }
            proxy = forward.DefaultUpstream;
            if (proxy is not null || !required) return true;
            RespondLocal(ProxyError.UpstreamProxyHeaderInvalid, close, $"missing {headerName} header: name the upstream proxy as [http://][user:pass@]host:port");
            return false;
        }
    }
}
