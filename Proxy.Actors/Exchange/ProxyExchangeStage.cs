using Proxy.Actors.Connections;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Stage;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;

namespace Proxy.Actors.Exchange;

/// <summary>
/// The HTTP/1.1 front of a client connection: takes decoded requests one at a time (so pipelined requests are
/// answered in order) and hands each to the <see cref="ExchangeDriver"/>, which routes it, runs its filters and
/// attempts (backend, connection, retries, relaying: D3–D5, D7); this stage gives the client the response in its
/// framing, with keep-alive, the head and idle timeouts, the node's own answers and tunnels. Upstream socket I/O runs
/// inside this stage's interpreter (completions arrive as async callbacks on the connection's actor), so a request
/// costs no extra actor hops between a client stream and a separate upstream stream.
/// </summary>
/// <remarks>
/// This file holds the ports, the phases and each exchange's life on the connection; the partial files hold one concern
/// each: ClientResponse (the driver's front: what it hands the client, in HTTP/1.1 terms), LocalAnswers, Timeouts and
/// Tunnel (CONNECT and Upgrade splices).
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
        /// <summary>The driver has the exchange: routing and filters, upstream attempts, the request going up, the
        /// response coming back.</summary>
        Exchange,
        /// <summary>The proxy answered itself; the connection closes or waits for the next request.</summary>
        Closing,
        /// <summary>A CONNECT tunnel is open: bytes are spliced both ways until both sides closed.</summary>
        Tunnel,
    }

    private enum DeadlineKind
    {
        None,
        HeadOrIdle,
        /// <summary>The exchange ended and the connection closes: the client must take the queued bytes in time.</summary>
        Closing,
    }


    private sealed partial class Logic : GraphStageLogic, IInHandler, IOutHandler, IExchangeFront
    {
        private readonly ProxyExchangeStage _stage;
        private readonly ConnectionHandle _handle;
        private readonly ProxyRuntime _runtime;
        private readonly Queue<ResponsePart> _outQueue = new(2);
        /// <summary>Drives each exchange's upstream side.</summary>
        private readonly ExchangeDriver _driver;

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

        private ExchangeContext Exchange => _exchange ?? throw new InvalidOperationException("no exchange in progress");

        private readonly string _clientAddress;
        private readonly ConnectionContext _context;
        /// <summary>The one timer for every deadline (see ArmTimeout), and the retry back-off's.</summary>
        private readonly StageTimer _timeoutTimer;
        /// <summary>Made at the first retry: most connections never retry.</summary>
        private StageTimer? _retryTimer;
        /// <summary>The stage's one async callback, for every wake-up from outside: its timers' tickets, a drain, and the
        /// driver's upstream completions. Akka allocates ~300–400 B per callback a logic obtains, held for as long as the
        /// client keeps its connection open; six of them were a quarter of an idle connection (docs/BENCHMARKS.md).</summary>
        private readonly Action<object> _wake;
        private static readonly object DrainRequested = new();

        // Made with the port counts, not the shape: Akka's shape constructor formats the shape's ports into a new log-source
        // string for every logic, that is for every connection; the log source is this stage's fixed name instead.
        private static readonly Akka.Event.LogSource LogName = Akka.Event.LogSource.Create("proxy-exchange");

        protected override object LogSource => LogName;

        public Logic(ProxyExchangeStage stage, ConnectionHandle handle, ConnectionSetup setup) : base(inCount: 1, outCount: 1)
        {
            _stage = stage;
            _clientAddress = setup.Client;
            _context = setup.Context;
            _handle = handle;
            _runtime = stage._runtime;
            _wake = GetAsyncCallback<object>(OnWake);
            _driver = new ExchangeDriver(this, _runtime, stage._listener);
            _timeoutTimer = new StageTimer(_wake);
            SetHandler(stage.In, this);
            SetHandler(stage.Out, this);
        }

        private RuntimeSnapshot Snapshot => _runtime.Current;

        public override void PreStart()
        {
            _handle.Attach(RequestDrain);
            _draining = _runtime.Draining;
            Pull(_stage.In);
            ArmTimeout(HeadTimeoutMs);
        }

        public override void PostStop()
        {
            _timeoutTimer.Cancel();
            _retryTimer?.Cancel();
            _exchange?.DisposeBodyFilters();
            CloseTunnel(abort: true);
            // A connect still in flight when the connection closed: its socket goes to the pool, not to a dead actor.
            _driver.Abandon();
            _exchange?.ReleaseBackend();
            if (_exchange is { Completed: false } open)
            {
                // The connection ended under an exchange (a transport failure): it still reaches its completion point.
                open.Error ??= "connection closed";
                _runtime.Complete(open, open.Status == 0 ? 499 : open.Status);
            }
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
                    _driver.OnRequestBody(body.Data);
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
                case Phase.Exchange when !_driver.RelayingResponse:
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
            if (_phase == Phase.Exchange) _driver.OnClientReady();
            else if (_phase == Phase.Tunnel) OnTunnelPull();
        }

        public void OnDownstreamFinish(Exception cause)
        {
            // The client socket is gone: abandon the exchange; PostStop closes the upstream connection.
            if (_phase == Phase.Exchange)
            {
                var exchange = Exchange;
                exchange.SettleSuccess();
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

            // A tunnel, or its refusal, ends the connection.
            if (head.Method == "CONNECT") _closeAfterResponse = true;
            _phase = Phase.Exchange;
            _driver.Begin(exchange);
        }

        /// <summary>A new exchange for <paramref name="head"/>, or for an answer the node gives before a head was parsed
        /// (null: a malformed or late head).</summary>
        private ExchangeContext StartExchange(HttpRequestHead? head)
        {
            _firstRequest = false;
            // Until a route is found (and when none is) the defaults' middleware applies; forward listeners have none.
            var exchange = _exchange = new ExchangeContext(head, _clientAddress)
            {
                Secure = _stage._listener.Tls is not null,
                Listener = _stage._listener.Name,
                Pipeline = _stage._listener.Mode == ListenerMode.Reverse ? Snapshot.DefaultPipeline : RoutePipeline.Empty,
            };
            _runtime.Start(exchange);
            return exchange;
        }

        /// <param name="clientDeadline">When the client must have taken the bytes queued (0: none): it applies while
        /// the connection closes after this exchange.</param>
        private void AfterResponse(long clientDeadline = 0)
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
                else if (clientDeadline != 0)
                {
                    _deadlineKind = DeadlineKind.Closing;
                    _deadline = clientDeadline;
                    ArmTimeout(Math.Max(1, clientDeadline - Environment.TickCount64));
                }
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

        /// <summary>The exchange's completion point (see <see cref="ProxyRuntime.Complete"/>).</summary>
        private void CompleteExchange(int status) => _runtime.Complete(Exchange, status);
    }
}
