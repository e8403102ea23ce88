using System.Net;
using Proxy.Actors.Connections;
using Proxy.Actors.Forwarding;
using Proxy.Actors.Pools;
using Proxy.Shared.Configuration;
using Proxy.Shared.Forwarding;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

// Forward-mode listeners (X1–X3): which upstream proxy a request goes through and the checks before it, the local
// resolution of targets (resolve-targets = local), and CONNECT tunnels opened for the front to splice.
internal sealed partial class ExchangeDriver
{
    private sealed record TargetCheck(HttpRequestHead Head, ForwardRuntime Forward, UpstreamProxy Proxy, string Host);

    private TargetCheck? _targetCheck;

    /// <summary>
    /// X1: a forward listener sends each request through the upstream HTTP proxy its <c>X-Proxy-To</c> header (or the
    /// configured default) names, in absolute form with <c>Proxy-Authorization</c> from the credentials; CONNECT opens a
    /// tunnel (X2). <see cref="ForwardRequestRules"/> decides; every refusal is a 4xx with the reason.
    /// </summary>
    private void BeginForward(HttpRequestHead head, RuntimeSnapshot snapshot)
    {
        if (!snapshot.Forwarders.TryGetValue(_listener.Name, out var forward))
        {
            Respond(ProxyError.ForwardNotConfigured, close: head.HasBody);
            return;
        }
        Exchange.Forward = forward;
        var plan = ForwardRequestRules.Decide(head, forward);
        if (plan.Error is { } refusal)
        {
            Respond(refusal, plan.CloseAfterRefusal, plan.Detail);
            return;
        }
        if (plan.Proxy is { } proxy && ResolveTargetFirst(head, forward, proxy)) return;
        ContinueForward(head, forward, plan.Proxy);
    }

    /// <summary>The target and upstream passed the guard: open the tunnel or send the request upstream.</summary>
    private void ContinueForward(HttpRequestHead head, ForwardRuntime forward, UpstreamProxy? proxy)
    {
        if (head.Method == "CONNECT")
        {
            OpenTunnel(head, forward, proxy);
            return;
        }
        if (!forward.TryGetUpstream(proxy!, out var backend))
        {
            Respond(ProxyError.TooManyUpstreamProxies, close: head.HasBody);
            return;
        }
        var exchange = Exchange;
        exchange.UpstreamProxy = proxy;
        exchange.UpstreamProxyBackend = backend;
        exchange.Pool = forward.Pool;
        exchange.Pool.Budget.RecordRequest();
        exchange.MayResend = RetrySafety.MayResend(head, forward.Settings.Retries.NonIdempotent);
        ForwardingHeaders.PrepareForUpstreamProxy(head, forward.Settings.Header, proxy!.ProxyAuthorization);
        StartAttempts();
    }

    // ---------------------------------------------------------------- X3: resolve-targets = local

    /// <summary>
    /// A target name that an upstream proxy would resolve is also resolved here before the request goes upstream, and
    /// refused when any of its addresses is denied (or when it does not resolve here), when the listener asks for it
    /// (off by default: the upstream's DNS may answer differently from this node's). True when the request continues
    /// in <see cref="OnTargetResolved"/>.
    /// </summary>
    private bool ResolveTargetFirst(HttpRequestHead head, ForwardRuntime forward, UpstreamProxy proxy)
    {
        var host = HostSyntax.HostWithoutPort(head.Authority);
        if (!forward.ResolveTargetsLocally || !AddressGuard.NeedsResolution(host)) return false;
        _targetCheck = new TargetCheck(head, forward, proxy, host);
        // Bounded like a connect: a resolver that does not answer is a name that does not resolve here.
        var timeout = new CancellationTokenSource(forward.Settings.Timeouts.Connect);
        var lookup = Dns.GetHostAddressesAsync(AddressGuard.Normalize(host), timeout.Token);
        lookup.ContinueWith(_ => timeout.Dispose(), TaskContinuationOptions.ExecuteSynchronously);
        WakeWhenDone(lookup);
        return true;
    }

    private void OnTargetResolved(Task<IPAddress[]> resolved)
    {
        var check = _targetCheck;
        _targetCheck = null;
        if (check is null || _exchange is null || _state != State.Routing) return; // the client left meanwhile
        var close = check.Head.HasBody || check.Head.Method == "CONNECT";
        if (!resolved.IsCompletedSuccessfully || resolved.Result.Length == 0)
        {
            Respond(ProxyError.TargetNotAllowed, close, $"target not allowed: {check.Host} does not resolve here (resolve-targets = local)");
            return;
        }
        if (!check.Forward.TargetGuard.Allows(check.Host, resolved.Result, out var denied))
        {
            Respond(ProxyError.TargetNotAllowed, close, "target not allowed: " + denied);
            return;
        }
        ContinueForward(check.Head, check.Forward, check.Proxy);
    }

    // ---------------------------------------------------------------- X2: CONNECT

    /// <summary>Opens the CONNECT target's socket (straight, or through the upstream proxy's own CONNECT); once open,
    /// the client gets 200 and the front splices bytes. A tunnel, or its refusal, ends the client connection.</summary>
    private void OpenTunnel(HttpRequestHead head, ForwardRuntime forward, UpstreamProxy? proxy)
    {
        var authority = head.Authority;
        Backend via;
        if (proxy is null)
        {
            HostPort.TryParse(authority, 1, out var target, out _);
            via = new Backend(new BackendSettings { Address = authority, Host = target.Host, Port = target.Port }, forward.Settings.Connections);
        }
        else if (!forward.TryGetUpstream(proxy, out via))
        {
            Respond(ProxyError.TooManyUpstreamProxies, close: true);
            return;
        }
        var exchange = Exchange;
        exchange.UpstreamProxy = proxy;
        exchange.UpstreamAddress = proxy?.Display ?? authority;
        var timeouts = forward.Settings.Timeouts;
        WakeWhenDone(TunnelOpener.OpenAsync(authority, via, proxy, proxy is null ? forward.TargetGuard : forward.UpstreamGuard,
            timeouts.Connect, timeouts.Response));
    }

    private void OnTunnelOpened(Task<TunnelOpener.Result> opened)
    {
        var result = opened.IsCompletedSuccessfully ? opened.Result : TunnelOpener.Result.Fail(ProxyError.UpstreamConnectFailed, "tunnel could not be opened");
        if (_state != State.Routing || _exchange is null)
        {
            // The client left while the tunnel was being opened.
            result.Socket?.Dispose();
            return;
        }
        if (result.Socket is null)
        {
            Respond(result.Error, close: true, result.Reason);
            return;
        }
        Finish();
        _front.StartTunnel(new ResponseHeadPart
        {
            Status = 200, Reason = "Connection Established", Headers = new HttpHeaderList(0), Framing = BodyFraming.UntilClose,
        }, result.Socket, result.Leftover);
    }
}
