using Proxy.Actors.Connections;
using System.Net;
using Proxy.Actors.Forwarding;
using Proxy.Shared.Forwarding;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

// X3, resolve-targets = local on a forward listener: a target name that an upstream proxy would resolve is also
// resolved here before the request goes upstream, and refused when any of its addresses is denied (or when it does
// not resolve here). Off by default: the upstream's DNS may answer differently from this node's.
public sealed partial class ProxyExchangeStage
{
    private sealed partial class Logic
    {
        private sealed record TargetCheck(HttpRequestHead Head, ForwardRuntime Forward, UpstreamProxy Proxy, string Host);

        private TargetCheck? _targetCheck;
        private Action<Task<IPAddress[]>>? _onTargetResolved;

        /// <summary>Starts the local resolution when the listener asks for it and the target is a name; true when
        /// the request continues in <see cref="OnTargetResolved"/>.</summary>
        private bool ResolveTargetFirst(HttpRequestHead head, ForwardRuntime forward, UpstreamProxy proxy)
        {
            var host = HostSyntax.HostWithoutPort(head.Authority);
            if (!forward.ResolveTargetsLocally || !AddressGuard.NeedsResolution(host)) return false;
            _targetCheck = new TargetCheck(head, forward, proxy, host);
            _phase = Phase.Connecting;
            _onTargetResolved ??= GetAsyncCallback<Task<IPAddress[]>>(OnTargetResolved);
            // Bounded like a connect: a resolver that does not answer is a name that does not resolve here.
            var timeout = new CancellationTokenSource(forward.Settings.Timeouts.Connect);
            var lookup = Dns.GetHostAddressesAsync(AddressGuard.Normalize(host), timeout.Token);
            lookup.ContinueWith(_ => timeout.Dispose(), TaskContinuationOptions.ExecuteSynchronously);
            lookup.ContinueWith(_onTargetResolved, TaskContinuationOptions.ExecuteSynchronously);
            return true;
        }

        private void OnTargetResolved(Task<IPAddress[]> resolved)
        {
            var check = _targetCheck;
            _targetCheck = null;
            if (check is null || _exchange is null || _phase != Phase.Connecting) return; // the client left meanwhile
            var close = check.Head.HasBody || check.Head.Method == "CONNECT";
            if (!resolved.IsCompletedSuccessfully || resolved.Result.Length == 0)
            {
                RespondLocal(ProxyError.TargetNotAllowed, close, $"target not allowed: {check.Host} does not resolve here (resolve-targets = local)");
                return;
            }
            if (!check.Forward.TargetGuard.Allows(check.Host, resolved.Result, out var denied))
            {
                RespondLocal(ProxyError.TargetNotAllowed, close, "target not allowed: " + denied);
                return;
            }
            ContinueForward(check.Head, check.Forward, check.Proxy);
        }
    }
}
