using System.Diagnostics;
using System.Net;
using Akka.Event;
using Proxy.Actors.Connections;
using Proxy.Actors.Forwarding;
using Proxy.Actors.Pools;
using Proxy.Actors.Upstream;
using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;
using Proxy.Shared.Pipeline;
using Proxy.Shared.Routing;

namespace Proxy.Actors.Exchange;

/// <summary>
/// Drives an exchange from its request head to the end of its response, through the phases in order: route and pool
/// (or upstream proxy), request filters, upstream request filters, attempts (which backend, the connection rented or
/// new, retries, what each attempt tells the pool), the request going up, the response head and body filters on the
/// way back, and the upstream deadlines. The parts: Routing, Forward, Request, Response, Serve (a response a request filter
/// serves: a cached one), Answers (the node's own). Upstream I/O is
/// <see cref="UpstreamChannel"/>'s; the client side (framing, keep-alive, the node's own answers, tunnels) is the
/// <see cref="IExchangeFront"/>'s, so an HTTP/2 stream can drive exchanges with the same sequencing. One per client
/// connection, one exchange at a time; it runs on the front's actor and is called only from there.
/// </summary>
internal sealed partial class ExchangeDriver
{
    private enum State
    {
        /// <summary>No exchange (or the front has it again: answering, tunnelling, done).</summary>
        Idle,
        /// <summary>Routed; its filters run, or its forward target is resolved, or its tunnel opened.</summary>
        Routing,
        /// <summary>Picking a backend, connecting, or waiting to retry.</summary>
        Connecting,
        /// <summary>The request is going upstream; no response head has arrived.</summary>
        Forwarding,
        /// <summary>The response head went to the client; its body is being relayed.</summary>
        ResponseBody,
        /// <summary>A request filter's response (a cached one) is being served; no upstream takes part.</summary>
        Serving,
    }

    private enum Deadline
    {
        None,
        /// <summary>Waiting for the backend: its response head, or the next bytes of its body.</summary>
        Response,
        /// <summary>Waiting for the client to take response bytes already read.</summary>
        ClientSend,
    }

    private readonly IExchangeFront _front;
    private readonly ProxyRuntime _runtime;
    private readonly ListenerSettings _listener;
    private readonly UpstreamChannel _upstream;

    private State _state;
    private ExchangeContext? _exchange;
    /// <summary>The send in flight carries the request's last bytes.</summary>
    private bool _sendIsLast;
    /// <summary>Environment.TickCount64 by which a pending upstream write must complete; 0 = none pending.</summary>
    private long _sendDeadline;
    private Deadline _deadlineKind;
    private long _deadline;

    public ExchangeDriver(IExchangeFront front, ProxyRuntime runtime, ListenerSettings listener)
    {
        _front = front;
        _runtime = runtime;
        _listener = listener;
        _upstream = new UpstreamChannel(front.Wake);
    }

    /// <summary>A completion that did not happen at once, on the front's actor: the upstream channel's (see
    /// <see cref="UpstreamChannel"/>), or a task given to <see cref="WakeWhenDone"/>.</summary>
    public void OnWake(object signal)
    {
        if (ReferenceEquals(signal, UpstreamChannel.SendCompleted)) OnUpstreamSent();
        else if (ReferenceEquals(signal, UpstreamChannel.ReceiveCompleted)) OnUpstreamRead();
        else if (signal is Task<UpstreamConnection> connect) OnConnected(connect);
        else if (signal is Task<FilterVerdict> decided) OnFilterDone(decided);
        else if (signal is Task<IPAddress[]> resolved) OnTargetResolved(resolved);
        else if (signal is Task<TunnelOpener.Result> opened) OnTunnelOpened(opened);
        else if (signal is Task<BodyPiece> piece) OnSourceRead(piece);
    }

    /// <summary>Hands <paramref name="task"/> to <see cref="OnWake"/> on the front's actor when it completes.</summary>
    private void WakeWhenDone(Task task) =>
        task.ContinueWith(static (done, wake) => ((Action<object>)wake!)(done), _front.Wake, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>The response head went to the client and its body is being relayed.</summary>
    public bool RelayingResponse => _state is State.ResponseBody or State.Serving;

    private ExchangeContext Exchange => _exchange ?? throw new InvalidOperationException("no exchange in progress");

    /// <summary>The front ends the exchange (the client left, or its request turned out malformed): the upstream
    /// connection is closed and the backend released, without any outcome recorded for it.</summary>
    public void Stop()
    {
        // The backend's status when its head had come (the client left during the body), else none.
        EndAttempt(_exchange?.Response?.Status ?? 0, "cancelled");
        if (_exchange is { } exchange) exchange.ReleaseBackend();
        ReleaseUpstream(reusable: false);
        Finish();
    }

    /// <summary>The front is gone: a connect still in flight goes to its pool when it completes, not to a dead actor.</summary>
    public void Abandon()
    {
        EndAttempt(_exchange?.Response?.Status ?? 0, "cancelled");
        _sendDeadline = 0;
        _upstream.Abandon();
        _exchange?.ReleaseBackend();
        Finish();
    }

    /// <summary>The exchange's upstream side is over; later completions and timers find nothing to do.</summary>
    private void Finish()
    {
        ReleaseSource();
        _state = State.Idle;
        _exchange = null;
        _deadlineKind = Deadline.None;
        _sendDeadline = 0;
    }

    // ---------------------------------------------------------------- attempts

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
        var backend = pool.Pick(new LoadBalancingContext(HashKey(pool, exchange), avoid));
        if (backend is null)
        {
            RespondOriginFailure(ProxyError.NoHealthyBackend, close: exchange.Request!.HasBody);
            return;
        }
        BeginAttempt(backend);
    }

    private void BeginAttempt(Backend backend)
    {
        var exchange = Exchange;
        exchange.Backend = backend;
        exchange.AttemptBackend = backend;
        exchange.AttemptOpen = true;
        exchange.AttemptStart = Stopwatch.GetTimestamp();
        exchange.AnsweredAt = 0;
        exchange.UpstreamAddress = backend.Address;
        backend.BeginRequest();
        _runtime.AttemptStarted(exchange);
        if (_upstream.TryRent(backend))
        {
            SendHead();
            return;
        }
        Connect(backend);
    }

    /// <summary>What the consistent-hash policy hashes: the client address, a header or a cookie.</summary>
    private static string? HashKey(PoolRuntime pool, ExchangeContext exchange) =>
        pool.Settings.Policy != LoadBalancingPolicyKind.ConsistentHash
            ? exchange.Client
            : RequestKey.Of(pool.Settings.HashKey, exchange.Request!, exchange.Client);

    private void Connect(Backend backend)
    {
        var exchange = Exchange;
        if (!backend.Connections.TryReserve())
        {
            EndAttempt(0, ProxyErrors.TypeOf(ProxyError.UpstreamConnectionLimit));
            exchange.ReleaseBackend();
            RespondOriginFailure(ProxyError.UpstreamConnectionLimit, close: exchange.Request!.HasBody);
            return;
        }
        var timeout = exchange.Pool!.Settings.Timeouts.Connect;
        var connect = exchange.Forward is { } forward
            ? ForwardConnector.ConnectAsync(backend, forward.UpstreamGuard, timeout)
            : UpstreamConnector.ConnectAsync(backend, timeout);
        if (_upstream.Await(connect, backend)) OnConnected(connect);
    }

    private void OnConnected(Task<UpstreamConnection> connect)
    {
        _upstream.ConnectSettled();
        if (_state != State.Connecting || _exchange is not { } exchange)
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
                EndAttempt(0, ProxyErrors.TypeOf(ProxyError.UpstreamProxyNotAllowed));
                exchange.ReleaseBackend();
                Respond(ProxyError.UpstreamProxyNotAllowed, close: exchange.Request!.HasBody, "upstream proxy not allowed: " + deniedUpstream.Message);
                return;
            }
            var failure = ProxyErrors.TypeOf(timedOut ? ProxyError.UpstreamConnectTimeout : ProxyError.UpstreamConnectFailed);
            EndAttempt(0, failure);
            exchange.RecordFailure();
            exchange.ReleaseBackend();
            // Nothing reached the backend, so even a non-idempotent request may go elsewhere.
            if (TryScheduleRetry(backend, failure)) return;
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

    /// <param name="reason">The failed attempt's error type (for the retry counter).</param>
    private bool TryScheduleRetry(Backend failed, string reason)
    {
        var exchange = Exchange;
        if (exchange.RequestBodyStarted || !exchange.Pool!.TryRetry(exchange.Attempt, out var backoff)) return false;
        _runtime.Retried(exchange, reason);
        exchange.Attempt++;
        exchange.AvoidOnRetry = failed;
        _state = State.Connecting;
        _front.ScheduleRetry(backoff);
        return true;
    }

    /// <summary>The retry's backoff has passed: the next attempt, away from the backend that failed.</summary>
    public void OnRetryTimer()
    {
        if (_state == State.Connecting && _exchange is { } exchange) StartAttempt(exchange.AvoidOnRetry);
    }

    private void OnUpstreamBroken(string reason)
    {
        var exchange = Exchange;
        var backend = exchange.Backend!;
        var reused = _upstream.Reused;
        ReleaseUpstream(reusable: false);
        EndAttempt(exchange.Status, BrokenType);
        // A kept-alive connection that failed before any response byte: the backend may have closed it just as it was
        // rented, or may have processed the request. Once, on a fresh connection, and only for a request that may be
        // sent again and whose body is still in hand (RFC 9112 §9.3.1.1).
        var answered = exchange.Response is not null;
        if (reused && !answered && exchange.MayResend && (!exchange.Request!.HasBody || !exchange.RequestBodyStarted) &&
            exchange.StaleRetries < 1)
        {
            _runtime.Retried(exchange, "stale_connection");
            exchange.StaleRetries++;
            exchange.RequestBodyStarted = false;
            exchange.AttemptOpen = true;
            exchange.AttemptStart = Stopwatch.GetTimestamp();
            _runtime.AttemptStarted(exchange);
            _state = State.Connecting;
            Connect(backend);
            return;
        }
        if (!answered) exchange.RecordFailure();
        exchange.ReleaseBackend();
        if (!answered && exchange.MayResend && !exchange.RequestBodyStarted && TryScheduleRetry(backend, BrokenType)) return;
        if (!answered && exchange.Status == 0)
        {
            RespondUpstreamError(ProxyError.UpstreamBroken, reason);
            return;
        }
        exchange.Error = reason;
        Abort(reason);
    }

    private static readonly string BrokenType = ProxyErrors.TypeOf(ProxyError.UpstreamBroken);

    /// <summary>The current attempt ended (reported once): its outcome goes to the observers. <paramref name="errorType"/>
    /// is null for a response read whole.</summary>
    private void EndAttempt(int status, string? errorType)
    {
        if (_exchange is not { AttemptOpen: true } exchange) return;
        exchange.AttemptOpen = false;
        _runtime.AttemptCompleted(exchange, new UpstreamAttempt(exchange.AttemptBackend!, exchange.AttemptStart, Stopwatch.GetTimestamp(),
            status, errorType, exchange.Attempt + exchange.StaleRetries));
    }

    private void ReleaseUpstream(bool reusable)
    {
        // A write still pending on a released connection fails with it; no send deadline applies any more.
        _sendDeadline = 0;
        _upstream.Release(reusable);
    }

    // ---------------------------------------------------------------- deadlines

    private long ResponseTimeoutMs => (long)Exchange.Pool!.Settings.Timeouts.Response.TotalMilliseconds;

    private void SetDeadline(Deadline kind, long inMs)
    {
        _deadlineKind = kind;
        _deadline = Environment.TickCount64 + inMs;
        _front.ArmTimer(inMs);
    }

    /// <summary>The front's timer fired: every pending deadline is checked, and the timer re-armed for the next.</summary>
    public void OnTimer(long now)
    {
        if (_state == State.Idle) return;
        if (_sendDeadline != 0)
        {
            if (now >= _sendDeadline)
            {
                OnSendTimedOut();
                return;
            }
            _front.ArmTimer(_sendDeadline - now);
        }
        if (_deadlineKind == Deadline.None || _deadlineKind == Deadline.ClientSend && !RelayingResponse) return;
        if (now < _deadline)
        {
            _front.ArmTimer(_deadline - now);
            return;
        }
        if (_deadlineKind == Deadline.ClientSend)
        {
            AbortResponse("client did not read the response in time", "client_send_timeout", backendAtFault: false);
            return;
        }
        if (Exchange.Response is null)
        {
            RespondUpstreamError(ProxyError.UpstreamResponseTimeout);
            return;
        }
        AbortResponse("upstream response body timed out", ProxyErrors.TypeOf(ProxyError.UpstreamResponseTimeout));
    }

    /// <summary>A write to the backend made no progress for timeouts.send.</summary>
    private void OnSendTimedOut()
    {
        _sendDeadline = 0;
        if (!_upstream.IsOpen || _state is not (State.Forwarding or State.ResponseBody)) return;
        if (Exchange is { Response: null, Status: 0 })
        {
            RespondUpstreamError(ProxyError.UpstreamSendTimeout);
            return;
        }
        AbortResponse("upstream did not take the request in time", ProxyErrors.TypeOf(ProxyError.UpstreamSendTimeout));
    }
}
