using Proxy.Actors.Connections;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;
using Proxy.Actors.Pools;
using Proxy.Actors.Transport;
using Proxy.Actors.Upstream;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;
using Proxy.Shared.Routing;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

/// <summary>
/// The heart of a client connection: takes decoded requests one at a time (so pipelined requests are answered
/// in order), routes each, picks a backend from the pool snapshot, forwards head and body to a pooled upstream
/// connection and streams the response back, with timeouts, retries and error mapping (D3–D5, D7). Upstream
/// socket I/O runs inside this stage (completions arrive as async callbacks on the connection's actor), so a
/// request costs no extra actor hops between a client stream and a separate upstream stream.
/// </summary>
/// <remarks>
/// This file holds the ports, the phases and each exchange's life (routing, the request head's proxy fields, the end
/// of an exchange); the partial files hold one concern each: Filters (the middleware phases), Attempts (backend,
/// connection, retries), UpstreamRequest, UpstreamResponse, LocalAnswers, Timeouts, Tunnel (CONNECT and Upgrade),
/// Forward and TargetResolution (forward listeners). Framing and de-framing live outside the stage, in
/// Proxy.Actors/Upstream, and the filters know only the exchange (Proxy.Shared/Pipeline).
/// </remarks>
public sealed partial class ProxyExchangeStage : GraphStageWithMaterializedValue<FlowShape<RequestPart, ResponsePart>, ConnectionHandle>
{
    private readonly ProxyRuntime _runtime;
    private readonly ListenerSettings _listener;

    /// <summary>The client address and connection context come from <see cref="ConnectionSetup.Current"/> at materialization.</summary>
    public ProxyExchangeStage(ProxyRuntime runtime, ListenerSettings listener)
    {
        _runtime = runtime;
        _listener = listener;
        Shape = new FlowShape<RequestPart, ResponsePart>(In, Out);
    }

    public Inlet<RequestPart> In { get; } = new("exchange.in");
    public Outlet<ResponsePart> Out { get; } = new("exchange.out");
    public override FlowShape<RequestPart, ResponsePart> Shape { get; }

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("proxy-exchange");

    public override ILogicAndMaterializedValue<ConnectionHandle> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var handle = new ConnectionHandle();
        return new LogicAndMaterializedValue<ConnectionHandle>(new Logic(this, handle, ConnectionSetup.Current), handle);
    }

    private enum Phase
    {
        /// <summary>Waiting for the next request head (idle keep-alive or a head arriving).</summary>
        AwaitHead,
        /// <summary>Picking a backend / connecting / waiting to retry.</summary>
        Connecting,
        /// <summary>Request head sent or sending; request body may be streaming; response not yet begun.</summary>
        Forwarding,
        /// <summary>Response head delivered; streaming the response body.</summary>
        ResponseBody,
        /// <summary>The proxy answered itself; the connection closes or waits for the next request.</summary>
        Closing,
        /// <summary>A CONNECT tunnel is open: bytes are spliced both ways until both sides closed.</summary>
        Tunnel,
    }

    private enum DeadlineKind
    {
        None,
        HeadOrIdle,
        /// <summary>Waiting for the backend: its response head, or the next bytes of its body.</summary>
        Response,
        /// <summary>Waiting for the client to take response bytes already read.</summary>
        ClientSend,
    }

    private static readonly object TimeoutTimer = new();
    private static readonly object RetryTimer = new();

    private sealed partial class Logic : TimerGraphStageLogic, IInHandler, IOutHandler
    {
        private readonly ProxyExchangeStage _stage;
        private readonly ConnectionHandle _handle;
        private readonly ProxyRuntime _runtime;
        private readonly Queue<ResponsePart> _outQueue = new(2);
        /// <summary>The current attempt's upstream connection and its I/O.</summary>
        private readonly UpstreamChannel _upstream;

        private Phase _phase = Phase.AwaitHead;
        private bool _draining;
        private bool _closeAfterResponse;
        private bool _clientInputClosed;

        // Timeouts: one timer re-armed lazily against a deadline field (no scheduler call per request).
        private DeadlineKind _deadlineKind = DeadlineKind.HeadOrIdle;
        private long _waitingSince = Environment.TickCount64;
        private long _deadline;
        private long _timerFiresAt = long.MaxValue;
        private bool _firstRequest = true;

        /// <summary>The exchange in progress; null between exchanges (and while the connection closes after one).</summary>
        private ExchangeContext? _exchange;

        /// <summary>The last exchange's body was read whole but its end marker is still to come (and is skipped).</summary>
        private bool _awaitingEndPart;
        /// <summary>The send in flight carries the request's last bytes.</summary>
        private bool _sendIsLast;
        private BodyFraming _clientFraming;
        /// <summary>Environment.TickCount64 by which a pending upstream write must complete; 0 = none pending.</summary>
        private long _sendDeadline;

        private ExchangeContext Exchange => _exchange ?? throw new InvalidOperationException("no exchange in progress");

        private readonly string _clientAddress;
        private readonly ConnectionContext _context;

        public Logic(ProxyExchangeStage stage, ConnectionHandle handle, ConnectionSetup setup) : base(stage.Shape)
        {
            _stage = stage;
            _clientAddress = setup.Client;
            _context = setup.Context;
            _handle = handle;
            _runtime = stage._runtime;
            _upstream = new UpstreamChannel(GetAsyncCallback<Task<UpstreamConnection>>(OnConnected),
                GetAsyncCallback(OnUpstreamSent), GetAsyncCallback(OnUpstreamRead));
            SetHandler(stage.In, this);
            SetHandler(stage.Out, this);
        }

        private RuntimeSnapshot Snapshot => _runtime.Current;

        public override void PreStart()
        {
            _handle.Attach(GetAsyncCallback(OnDrain));
            _draining = _runtime.Draining;
            Pull(_stage.In);
            ArmTimeout(HeadTimeoutMs);
        }

        public override void PostStop()
        {
            _exchange?.DisposeBodyFilters();
            CloseTunnel(abort: true);
            // A connect still in flight when the connection closed: its socket goes to the pool, not to a dead actor.
            _sendDeadline = 0;
            _upstream.Abandon();
            ReleaseBackend();
            _handle.MarkClosed();
            // O4: a connection that ended before any request has no access-log line; at debug it gets a node log line
            // (checked on the settings first: the stage's logger is created on first use, per connection).
            if (_firstRequest && Snapshot.Settings.LogLevel is "debug" or "trace")
                Log.Debug("Connection from {0} closed before any request", _clientAddress);
        }

        private long HeadTimeoutMs => (long)Snapshot.Settings.Timeouts.RequestHead.TotalMilliseconds;
        private long IdleTimeoutMs => (long)Snapshot.Settings.Timeouts.Idle.TotalMilliseconds;

        // ---------------------------------------------------------------- inbound (decoded request parts)

        public void OnPush()
        {
            var part = Grab(_stage.In);
            if (_phase == Phase.Tunnel)
            {
                OnTunnelPush(part);
                return;
            }
            switch (part)
            {
                case RequestHeadPart head:
                    BeginExchange(head.Head);
                    break;
                case RequestBodyPart body:
                    // No exchange: it was answered before its body arrived, and the connection closes once the answer left.
                    if (_exchange is not { } exchange) break;
                    exchange.BytesIn += body.Data.Count;
                    SendBody(body.Data);
                    break;
                case RequestEndPart end:
                    if (_awaitingEndPart)
                    {
                        // The end of a body whose last byte was already forwarded and answered.
                        _awaitingEndPart = false;
                        if (!HasBeenPulled(_stage.In) && !IsClosed(_stage.In)) Pull(_stage.In);
                        break;
                    }
                    if (_exchange is { } current) current.RequestFullyRead = true;
                    FinishBody(end.Trailers);
                    break;
                case RequestMalformedPart bad:
                    OnMalformed(bad.Error);
                    break;
            }
        }

        public void OnUpstreamFinish()
        {
            _clientInputClosed = true;
            switch (_phase)
            {
                case Phase.Tunnel:
                    OnTunnelClientClosed();
                    break;
                case Phase.AwaitHead:
                    FinishConnection();
                    break;
                case Phase.Connecting:
                case Phase.Forwarding:
                    if (_exchange is { Request: not null } exchange && !exchange.RequestBodyComplete)
                    {
                        // The client went away mid-body: the backend must not see a truncated request as complete.
                        exchange.Error = "client closed during request body";
                        CompleteExchange(499);
                        CompleteStage();
                    }
                    else _closeAfterResponse = true;
                    break;
                default:
                    _closeAfterResponse = true;
                    break;
            }
        }

        public void OnUpstreamFailure(Exception e) => OnUpstreamFinish();

        // ---------------------------------------------------------------- outbound (response parts)

        public void OnPull()
        {
            if (_outQueue.Count > 0)
            {
                PushNext();
                return;
            }
            if (_phase == Phase.ResponseBody && !_upstream.Receiving && !Exchange.ResponseDone) ContinueResponseBody();
            else if (_phase == Phase.Tunnel) OnTunnelPull();
        }

        public void OnDownstreamFinish(Exception cause)
        {
            // The client socket is gone: abandon the exchange; PostStop closes the upstream connection.
            if (_phase is Phase.Forwarding or Phase.ResponseBody or Phase.Connecting)
            {
                var exchange = Exchange;
                SettleSuccess();
                exchange.Error ??= "client closed";
                CompleteExchange(exchange.Status == 0 ? 499 : exchange.Status);
            }
            else if (_phase == Phase.Tunnel) CompleteExchange(Exchange.Status);
            CompleteStage();
        }

        private void Emit(ResponsePart part)
        {
            _outQueue.Enqueue(part);
            if (IsAvailable(_stage.Out)) PushNext();
        }

        private void PushNext()
        {
            var part = _outQueue.Dequeue();
            Push(_stage.Out, part);
            if (_outQueue.Count == 0 && _phase == Phase.Tunnel) AfterTunnelPush();
            if (_outQueue.Count == 0 && _phase == Phase.Closing && _closeAfterResponse) FinishConnection();
        }

        // ---------------------------------------------------------------- exchange lifecycle

        private void BeginExchange(HttpRequestHead head)
        {
            var exchange = StartExchange(head);
            _deadlineKind = DeadlineKind.None;
            _awaitingEndPart = false;
            // The node may have begun draining since this connection opened: every response then says Connection: close.
            _closeAfterResponse = !head.KeepAlive || _draining || _runtime.Draining || _clientInputClosed;

            var snapshot = Snapshot;
            if (_stage._listener.Mode == ListenerMode.Forward)
            {
                BeginForward(head, snapshot);
                return;
            }
            if (head.Method == "CONNECT")
            {
                RespondLocal(ProxyError.ConnectNotAllowed, close: true);
                return;
            }
            var route = snapshot.Routes.Match(head);
            if (route is null)
            {
                RespondLocal(ProxyError.NoRoute, close: head.HasBody);
                return;
            }
            exchange.Route = route;
            // R2: a split route picks its pool per request (by its split-key when the request has one).
            var poolName = route.Split is { } split
                ? split.Choose(split.Key is { } key ? RequestKey.Of(key, head, _clientAddress) : null)
                : route.PoolName;
            if (!snapshot.Pools.TryGetValue(poolName, out var pool))
            {
                RespondLocal(ProxyError.NoPool, close: head.HasBody);
                return;
            }
            exchange.Pool = pool;
            exchange.Pipeline = snapshot.PipelineFor(route);
            _phase = Phase.Connecting;
            RunRequestFilters();
        }

        /// <summary>A new exchange for <paramref name="head"/>, or for an answer the node gives before a head was parsed
        /// (null: a malformed or late head).</summary>
        private ExchangeContext StartExchange(HttpRequestHead? head)
        {
            _firstRequest = false;
            // Until a route is found (and when none is) the defaults' middleware applies; forward listeners have none.
            return _exchange = new ExchangeContext(head, _clientAddress)
            {
                Secure = _stage._listener.Tls is not null,
                Pipeline = _stage._listener.Mode == ListenerMode.Forward ? RoutePipeline.Empty : Snapshot.DefaultPipeline,
            };
        }

        /// <summary>The request passed its filters: on to a backend.</summary>
        private void ContinueAfterFilters()
        {
            var exchange = Exchange;
            var head = exchange.Request!;
            var pool = exchange.Pool!;
            pool.Budget.RecordRequest();
            exchange.MayResend = RetrySafety.MayResend(head, exchange.Route!.RetryNonIdempotent ?? pool.Settings.Retries.NonIdempotent);
            ForwardingHeaders.Prepare(head, _clientAddress, _stage._listener.Tls is not null, Snapshot.Settings.AddForwardedHeader);
            if (!RunUpstreamRequestFilters()) return;
            _phase = Phase.Connecting;
            StartAttempt(avoid: null);
        }

        private long ResponseTimeoutMs => (long)Exchange.Pool!.Settings.Timeouts.Response.TotalMilliseconds;
        private long SendTimeoutMs => (long)Exchange.Pool!.Settings.Timeouts.Send.TotalMilliseconds;
        private long ClientSendTimeoutMs => (long)Snapshot.Settings.Timeouts.ClientSend.TotalMilliseconds;

        private void AfterResponse()
        {
            var exchange = Exchange;
            if (!exchange.RequestBodyComplete)
            {
                // The rest of the request body is unread: the connection cannot carry another request.
                _closeAfterResponse = true;
            }
            else if (!exchange.RequestFullyRead) _awaitingEndPart = true;
            _exchange = null;
            if (_closeAfterResponse || _draining)
            {
                _phase = Phase.Closing;
                _closeAfterResponse = true;
                if (_outQueue.Count == 0) FinishConnection();
                return;
            }
            // An Upgrade answered without a switch: the connection goes on as HTTP/1.1 (RFC 9110 §7.8).
            _context.Decide(tunnel: false);
            EnterAwaitHead();
        }

        private void EnterAwaitHead()
        {
            _phase = Phase.AwaitHead;
            _waitingSince = Environment.TickCount64;
            SetDeadline(DeadlineKind.HeadOrIdle, Math.Min(HeadTimeoutMs, IdleTimeoutMs));
            if (!HasBeenPulled(_stage.In) && !IsClosed(_stage.In)) Pull(_stage.In);
            else if (IsClosed(_stage.In)) FinishConnection();
        }

        private void FinishConnection()
        {
            if (_outQueue.Count > 0) return;
            CompleteStage();
        }

        /// <summary>The exchange's completion point, once per exchange: every response the node sends (relayed or its
        /// own) and every exchange that ended early reaches the observers (the access log first).</summary>
        private void CompleteExchange(int status)
        {
            var exchange = Exchange;
            if (!exchange.Complete(status)) return;
            foreach (var observer in _runtime.Observers) observer.OnExchangeCompleted(exchange);
        }

        // ---------------------------------------------------------------- drain and timeouts
    }
}
