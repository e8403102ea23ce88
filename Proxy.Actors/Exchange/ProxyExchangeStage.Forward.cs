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
        /// credentials; CONNECT opens a tunnel (X2). <see cref="ForwardRequestRules"/> decides; every refusal is
        /// a 4xx with the reason.
        /// </summary>
        private void BeginForward(HttpRequestHead head, RuntimeSnapshot snapshot)
        {
            if (!snapshot.Forwarders.TryGetValue(_stage._listener.Name, out var forward))
            {
                RespondLocal(ProxyError.ForwardNotConfigured, close: head.HasBody);
                return;
            }
            Exchange.Forward = forward;
            var plan = ForwardRequestRules.Decide(head, forward);
            if (plan.Error is { } refusal)
            {
                RespondLocal(refusal, plan.CloseAfterRefusal, plan.Detail);
                return;
            }
            if (plan.Proxy is { } proxy && ResolveTargetFirst(head, forward, proxy)) return;
            ContinueForward(head, forward, plan.Proxy);
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

            ForwardingHeaders.PrepareForUpstreamProxy(head, forward.Settings.Header, proxy!.ProxyAuthorization);
            _phase = Phase.Connecting;
            StartAttempt(avoid: null);
        }
    }
}
