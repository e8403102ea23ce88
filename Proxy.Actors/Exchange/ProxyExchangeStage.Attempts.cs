using Proxy.Actors.Connections;
using System.Diagnostics;
using Proxy.Actors.Forwarding;
using Proxy.Actors.Pools;
using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;
using Proxy.Shared.Routing;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

// Upstream attempts: which backend (or upstream proxy) a request goes to, the connection to it (pooled or new), retries,
// and what each attempt's outcome tells the pool (success, failure, the backend held while in flight).
public sealed partial class ProxyExchangeStage
{
    private sealed partial class Logic
    {
        private void StartAttempt(Backend? avoid)
        {
            var exchange = Exchange;
            if (exchange.UpstreamProxyBackend is { } upstream)
            {
                // Forward mode: one upstream proxy per request; a retry goes to it again.
                BeginAttempt(upstream);
                return;
            }
            var pool = exchange.Pool!;
            var backend = pool.Pick(new LoadBalancingContext(HashKey(pool), avoid));
            if (backend is null)
            {
                RespondLocal(ProxyError.NoHealthyBackend, close: exchange.Request!.HasBody);
                return;
            }
            BeginAttempt(backend);
        }

        private void BeginAttempt(Backend backend)
        {
            var exchange = Exchange;
            exchange.Backend = backend;
            exchange.AttemptStart = Stopwatch.GetTimestamp();
            exchange.AnsweredAt = 0;
            exchange.UpstreamAddress = backend.Address;
            backend.BeginRequest();
            if (_upstream.TryRent(backend))
            {
                SendHead();
                return;
            }
            Connect(backend);
        }

        /// <summary>What the consistent-hash policy hashes: the client address, a header or a cookie.</summary>
        private string? HashKey(PoolRuntime pool) =>
            pool.Settings.Policy != LoadBalancingPolicyKind.ConsistentHash
                ? _clientAddress
                : RequestKey.Of(pool.Settings.HashKey, Exchange.Request!, _clientAddress);

        private void Connect(Backend backend)
        {
            if (!backend.Connections.TryReserve())
            {
                ReleaseBackend();
                RespondLocal(ProxyError.UpstreamConnectionLimit, close: Exchange.Request!.HasBody);
                return;
            }
            var exchange = Exchange;
            var timeout = exchange.Pool!.Settings.Timeouts.Connect;
            var connect = exchange.Forward is { } forward
                ? ForwardConnector.ConnectAsync(backend, forward.UpstreamGuard, timeout)
                : UpstreamConnector.ConnectAsync(backend, timeout);
            if (_upstream.Await(connect, backend)) OnConnected(connect);
        }

        private void OnConnected(Task<UpstreamConnection> connect)
        {
            _upstream.ConnectSettled();
            if (_phase != Phase.Connecting || _exchange is not { } exchange)
            {
                // The exchange ended while connecting (client gone); keep the connection for the next one.
                if (connect.IsCompletedSuccessfully) connect.Result.Backend.Connections.Return(connect.Result);
                return;
            }
            var backend = exchange.Backend!;
            if (!connect.IsCompletedSuccessfully)
            {
                backend.Connections.Unreserve();
                var cause = connect.Exception?.InnerException;
                var timedOut = cause is UpstreamConnectTimeoutException;
                if (cause is ForwardDeniedException deniedUpstream)
                {
                    ReleaseBackend();
                    RespondLocal(ProxyError.UpstreamProxyNotAllowed, close: exchange.Request!.HasBody, "upstream proxy not allowed: " + deniedUpstream.Message);
                    return;
                }
                RecordFailure();
                ReleaseBackend();
                // Nothing reached the backend, so even a non-idempotent request may go elsewhere.
                if (TryScheduleRetry(backend)) return;
                if (exchange.UpstreamProxy is { } proxy)
                    RespondUpstreamError(timedOut ? ProxyError.UpstreamProxyTimeout : ProxyError.UpstreamProxyFailed, timedOut
                        ? $"upstream proxy {proxy.Display} did not accept the connection in time"
                        : cause is ForwardResolveException resolve
                            ? $"upstream proxy {proxy.Display}: {resolve.Message}"
                            : $"upstream proxy {proxy.Display} is unreachable");
                else
                    RespondUpstreamError(timedOut ? ProxyError.UpstreamConnectTimeout : ProxyError.UpstreamConnectFailed);
                return;
            }
            _upstream.Use(connect.Result, reused: false);
            SendHead();
        }

        private bool TryScheduleRetry(Backend failed)
        {
            var exchange = Exchange;
            if (exchange.RequestBodyStarted || !exchange.Pool!.TryRetry(exchange.Attempt, out var backoff)) return false;
            exchange.Attempt++;
            exchange.AvoidOnRetry = failed;
            _phase = Phase.Connecting;
            ScheduleOnce(RetryTimer, backoff);
            return true;
        }

        private void OnUpstreamBroken(string reason)
        {
            var exchange = Exchange;
            var backend = exchange.Backend!;
            var reused = _upstream.Reused;
            ReleaseUpstream(reusable: false);
            // A kept-alive connection that failed before any response byte: the backend may have closed it just as
            // it was rented, or may have processed the request. Once, on a fresh connection, and only for a
            // request that may be sent again and whose body is still in hand (RFC 9112 §9.3.1.1).
            var answered = exchange.Response is not null;
            if (reused && !answered && exchange.MayResend && (!exchange.Request!.HasBody || !exchange.RequestBodyStarted) &&
                exchange.StaleRetries < 1)
            {
                exchange.StaleRetries++;
                exchange.RequestBodyStarted = false;
                _phase = Phase.Connecting;
                Connect(backend);
                return;
            }
            if (!answered) RecordFailure();
            ReleaseBackend();
            if (!answered && exchange.MayResend && !exchange.RequestBodyStarted && TryScheduleRetry(backend)) return;
            if (!answered && exchange.Status == 0)
            {
                RespondUpstreamError(ProxyError.UpstreamBroken, reason);
                return;
            }
            exchange.Error = reason;
            CompleteExchange(exchange.Status);
            FailStage(new IOException(reason));
        }

        private void ReleaseUpstream(bool reusable)
        {
            // A write still pending on a released connection fails with it; no send deadline applies any more.
            _sendDeadline = 0;
            _upstream.Release(reusable);
        }

        /// <summary>The response arrived whole (or the client gave up on it): the backend answered well.</summary>
        private void SettleSuccess()
        {
            var exchange = Exchange;
            if (exchange.AnsweredAt == 0 || exchange.Backend is null) return;
            exchange.Backend.RecordSuccess(exchange.AttemptStart, exchange.AnsweredAt);
            exchange.AnsweredAt = 0;
        }

        /// <summary>Counts a failure of the current attempt's backend for the cluster, and has it reported now.</summary>
        private void RecordFailure()
        {
            var exchange = Exchange;
            exchange.Pool!.RecordFailure(exchange.Backend!, exchange.AttemptStart);
        }

        private void ReleaseBackend()
        {
            // Also called from PostStop, when no exchange may be in progress.
            if (_exchange is not { Backend: { } backend } exchange) return;
            exchange.Backend = null;
            backend.EndRequest();
        }
    }
}
