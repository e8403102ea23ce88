using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;
using Proxy.Actors.Exchange;
using Proxy.Actors.Forwarding;
using Proxy.Actors.Pools;
using Proxy.Actors.Transport;
using Proxy.Actors.Upstream;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;
using Proxy.Shared.LoadBalancing;
using Proxy.Shared.Routing;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Connections;

/// <summary>
/// The heart of a client connection: takes decoded requests one at a time (so pipelined requests are answered
/// in order), routes each, picks a backend from the pool snapshot, forwards head and body to a pooled upstream
/// connection and streams the response back, with timeouts, retries and error mapping (D3–D5, D7). Upstream
/// socket I/O runs inside this stage (completions arrive as async callbacks on the connection's actor), so a
/// request costs no extra actor hops between a client stream and a separate upstream stream.
/// </summary>
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
        TunnelIdle,
    }

    private static readonly object TimeoutTimer = new();
    private static readonly object RetryTimer = new();

    private sealed partial class Logic : TimerGraphStageLogic, IInHandler, IOutHandler
    {
        private readonly ProxyExchangeStage _stage;
        private readonly ConnectionHandle _handle;
        private readonly ProxyRuntime _runtime;
        private readonly UpstreamRequestWriter _requestWriter = new();
        private readonly Queue<ResponsePart> _outQueue = new(2);
        private readonly ResponseBodyReader _responseBody = new();
        private readonly Action<Task<UpstreamConnection>> _onConnected;
        private readonly Action _onUpstreamSent;
        private readonly Action _onUpstreamRead;
        private readonly Action _upstreamSentContinuation;
        private readonly Action _upstreamReadContinuation;

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

        // The current attempt's upstream connection and its I/O.
        private UpstreamConnection? _conn;
        private bool _connReused;
        /// <summary>The last exchange's body was read whole but its end marker is still to come (and is skipped).</summary>
        private bool _awaitingEndPart;
        private bool _sending;
        private bool _reading;
        private bool _sendIsLast;
        private ValueTask<int> _pendingSend;
        private ValueTask<int> _pendingRead;
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
            _onConnected = GetAsyncCallback<Task<UpstreamConnection>>(OnConnected);
            _onUpstreamSent = GetAsyncCallback(OnUpstreamSent);
            _onUpstreamRead = GetAsyncCallback(OnUpstreamRead);
            _upstreamSentContinuation = () => IoInlineExecutor.RunInline(_onUpstreamSent);
            _upstreamReadContinuation = () => IoInlineExecutor.RunInline(_onUpstreamRead);
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
            CloseTunnel();
            ReleaseUpstream(reusable: false);
            ReleaseBackend();
            // A connect still in flight when the connection closed: its socket goes to the pool, not to a dead actor.
            var connecting = _pendingConnectBackend;
            _pendingConnect?.ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully) t.Result.Backend.Connections.Return(t.Result);
                else connecting!.Connections.Unreserve();
            }, TaskContinuationOptions.ExecuteSynchronously);
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
            if (_phase == Phase.ResponseBody && !_reading && !Exchange.ResponseDone) ContinueResponseBody();
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
            PrepareUpstreamHead(head, Snapshot.Settings);
            if (!RunUpstreamRequestFilters()) return;
            _phase = Phase.Connecting;
            StartAttempt(avoid: null);
        }

        /// <summary>Rewrites the header list once per request: hop-by-hop removal and the forwarding headers.</summary>
        private void PrepareUpstreamHead(HttpRequestHead head, ProxySettings settings)
        {
            var headers = head.Headers;
            StripHopByHop(head);
            // The proxy answers 100-continue itself once the backend connection is ready.
            headers.Remove("Expect");
            var client = _clientAddress;
            var xff = headers.Get("X-Forwarded-For");
            headers.Set("X-Forwarded-For", xff is null ? client : xff + ", " + client);
            var proto = _stage._listener.Tls is null ? "http" : "https";
            headers.Set("X-Forwarded-Proto", proto);
            if (head.Authority.Length > 0) headers.Set("X-Forwarded-Host", head.Authority);
            if (settings.AddForwardedHeader)
            {
                var forClient = client.Contains(':') ? "\"[" + client + "]\"" : client;
                var forwarded = "for=" + forClient + ";proto=" + proto + (head.Authority.Length > 0 ? ";host=\"" + head.Authority + "\"" : "");
                var existing = headers.Get("Forwarded");
                headers.Set("Forwarded", existing is null ? forwarded : existing + ", " + forwarded);
            }
            AppendVia(headers, head.Version);
            if (head.Version == 10 && head.Authority.Length == 0) return;
            if (!headers.Contains("Host")) headers.Add("Host", head.Authority);
        }

        private static string ViaValue(int version) => version == 10 ? "1.0 akka-proxy" : "1.1 akka-proxy";

        private static void AppendVia(HttpHeaderList headers, int version)
        {
            var via = headers.Get("Via");
            headers.Set("Via", via is null ? ViaValue(version) : via + ", " + ViaValue(version));
        }

        /// <summary>Hop-by-hop removal for a request (reverse and forward alike). A protocol switch the client asks
        /// for is end to end for us (E2: we splice after the 101), so its Upgrade fields go on.</summary>
        private static void StripHopByHop(HttpRequestHead head)
        {
            var headers = head.Headers;
            var upgrade = head.IsUpgrade && !head.HasBody ? headers.Get("Upgrade") : null;
            HopByHopHeaders.Strip(headers);
            // Trailers go on only in a chunked body (the request is sent with the framing it came with).
            if (!head.Chunked) headers.Remove("Trailer");
            if (upgrade is null) return;
            headers.Add("Connection", "Upgrade");
            headers.Add("Upgrade", upgrade);
        }

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
            if (backend.Connections.TryRent(out var conn))
            {
                _conn = conn;
                _connReused = true;
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
            if (connect.IsCompleted) OnConnected(connect);
            else
            {
                _pendingConnect = connect;
                _pendingConnectBackend = backend;
                connect.ContinueWith(_onConnected, TaskContinuationOptions.ExecuteSynchronously);
            }
        }

        private void OnConnected(Task<UpstreamConnection> connect)
        {
            _pendingConnect = null;
            _pendingConnectBackend = null;
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
            _conn = connect.Result;
            _connReused = false;
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

        // A connect in flight, settled in PostStop if the connection closes first.
        private Task<UpstreamConnection>? _pendingConnect;
        private Backend? _pendingConnectBackend;

        private void SendHead()
        {
            _phase = Phase.Forwarding;
            var exchange = Exchange;
            var head = exchange.Request!;
            _requestWriter.Head(head, UpstreamRequestWriter.TargetFor(head, exchange.UpstreamProxy is not null, exchange.UpstreamTarget));
            _sendIsLast = !head.HasBody;
            StartSend();
            // Read from the start: a backend may answer (e.g. 413) before the request body is complete.
            StartRead();
        }

        private void StartSend()
        {
            _sending = true;
            ValueTask<int> send;
            try
            {
                send = _conn!.SendAsync(_requestWriter.Segments);
            }
            catch (Exception)
            {
                send = ValueTask.FromException<int>(new SocketException((int)SocketError.ConnectionReset));
            }
            _pendingSend = send;
            if (send.IsCompleted)
            {
                OnUpstreamSent();
                return;
            }
            // The backend is not taking bytes right now: it has timeouts.send to make room.
            _sendDeadline = Environment.TickCount64 + SendTimeoutMs;
            ArmTimeout(SendTimeoutMs);
            send.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_upstreamSentContinuation);
        }

        private void OnUpstreamSent()
        {
            _sending = false;
            _sendDeadline = 0;
            var failed = false;
            try
            {
                _pendingSend.GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                failed = true;
            }
            _pendingSend = default;
            if (_phase is not (Phase.Forwarding or Phase.ResponseBody) || _conn is null) return;
            if (failed)
            {
                OnUpstreamBroken("upstream closed the connection while sending");
                return;
            }
            var exchange = Exchange;
            if (exchange.Response is not null && exchange.ResponseDone) return;
            if (!exchange.RequestBodyStarted)
            {
                // Head sent.
                if (exchange.Request!.HasBody)
                {
                    exchange.RequestBodyStarted = true;
                    if (exchange.Request.ExpectContinue) Emit(ResponseInterimPart.Continue);
                    PullBody();
                    return;
                }
            }
            else if (!_sendIsLast)
            {
                PullBody();
                return;
            }
            exchange.RequestSent = true;
            if (exchange.Response is null) SetDeadline(DeadlineKind.Response, ResponseTimeoutMs);
        }

        private long ResponseTimeoutMs => (long)Exchange.Pool!.Settings.Timeouts.Response.TotalMilliseconds;
        private long SendTimeoutMs => (long)Exchange.Pool!.Settings.Timeouts.Send.TotalMilliseconds;
        private long ClientSendTimeoutMs => (long)Snapshot.Settings.Timeouts.ClientSend.TotalMilliseconds;

        private void PullBody()
        {
            if (Exchange.RequestFullyRead) return;
            if (!HasBeenPulled(_stage.In) && !IsClosed(_stage.In)) Pull(_stage.In);
        }

        private void SendBody(ByteString data)
        {
            var exchange = Exchange;
            if (_conn is null || exchange.ResponseDone)
            {
                // Answered already (e.g. backend replied early): drop the rest of the body.
                PullBody();
                return;
            }
            var request = exchange.Request!;
            _requestWriter.Body(data, request.Chunked);
            // With Content-Length the last byte is known before the decoder's end marker is pulled.
            _sendIsLast = !request.Chunked && exchange.BytesIn >= request.ContentLength;
            StartSend();
        }

        private void FinishBody(HttpHeaderList? trailers)
        {
            var exchange = _exchange;
            if (exchange is null || _conn is null || exchange.ResponseDone)
            {
                // Answered before the body ended: the connection closes once the answer left.
                if (_phase == Phase.Closing && _closeAfterResponse && _outQueue.Count == 0) FinishConnection();
                else if (exchange is { ResponseDone: true }) AfterResponse();
                return;
            }
            if (exchange.Request!.Chunked)
            {
                _requestWriter.LastChunk(trailers);
                _sendIsLast = true;
                StartSend();
                return;
            }
            exchange.RequestSent = true;
            if (exchange.Response is null) SetDeadline(DeadlineKind.Response, ResponseTimeoutMs);
        }

        private void OnMalformed(HttpParseError error)
        {
            _closeAfterResponse = true;
            if (_phase == Phase.AwaitHead)
            {
                StartExchange(null);
                RespondLocal(ProxyErrors.OfParseError(error), close: true, error.Reason);
                return;
            }
            // Answered already: the rest of the body is not read, and the connection closes once the answer left.
            if (_exchange is not { } exchange) return;
            // The body turned out invalid (bad chunk, too large) mid-exchange.
            exchange.Error = error.Reason;
            if (exchange.Response is null && exchange.Status == 0)
            {
                ReleaseUpstream(reusable: false);
                ReleaseBackend();
                RespondLocal(ProxyErrors.OfParseError(error), close: true, error.Reason);
                return;
            }
            CompleteExchange(exchange.Status);
            FailStage(new InvalidOperationException(error.Reason));
        }

        // ---------------------------------------------------------------- upstream response

        private void StartRead()
        {
            var conn = _conn!;
            if (!conn.MakeRoom(Exchange.Pool!.Settings.Limits.MaxHeadBytes))
            {
                RespondUpstreamError(ProxyError.UpstreamResponseHeadTooLarge);
                return;
            }
            _reading = true;
            ValueTask<int> read;
            try
            {
                read = conn.ReceiveAsync(conn.Buffer.AsMemory(conn.ReadEnd));
            }
            catch (Exception)
            {
                read = ValueTask.FromResult(0);
            }
            _pendingRead = read;
            if (read.IsCompleted) OnUpstreamRead();
            else read.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_upstreamReadContinuation);
        }

        private void OnUpstreamRead()
        {
            _reading = false;
            int n;
            try
            {
                n = _pendingRead.GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                n = -1;
            }
            _pendingRead = default;
            if (_conn is null || _phase is not (Phase.Forwarding or Phase.ResponseBody)) return;
            if (n > 0) _conn.ReadEnd += n;
            if (Exchange.Response is null)
            {
                if (n <= 0)
                {
                    OnUpstreamBroken("upstream closed the connection before responding");
                    return;
                }
                TryParseResponseHead();
                return;
            }
            if (n <= 0)
            {
                // Only a clean FIN ends a close-delimited body (RFC 9112 §8): after a reset or receive error the
                // client must not see a complete response.
                if (n == 0 && _responseBody.Framing == BodyFraming.UntilClose)
                {
                    EndResponse(null, upstreamReusable: false);
                    return;
                }
                AbortResponse(n == 0 ? "upstream closed the connection mid-body" : "upstream connection reset mid-body", backendAtFault: true);
                return;
            }
            DeliverBody();
        }

        private void TryParseResponseHead()
        {
            var conn = _conn!;
            var request = Exchange.Request!;
            var limits = Exchange.Pool!.Settings.Limits;
            while (true)
            {
                var span = conn.Buffer.AsSpan(conn.ReadStart, conn.Buffered);
                var status = Http1ResponseParser.TryParse(span, request.Method == "HEAD", limits.MaxHeadBytes,
                    limits.MaxHeaders, out var head, out var consumed, out var error);
                if (status == ParseStatus.Incomplete)
                {
                    StartRead();
                    return;
                }
                if (status == ParseStatus.Invalid)
                {
                    RespondUpstreamError(ProxyError.UpstreamMalformedResponse, detail: error.Reason);
                    return;
                }
                conn.ReadStart += consumed;
                if (head!.Status == 101)
                {
                    if (request.IsUpgrade && !request.HasBody)
                    {
                        BeginUpgradeTunnel(head);
                        return;
                    }
                    RespondUpstreamError(ProxyError.UpstreamUnexpectedSwitch);
                    return;
                }
                if (head.IsInterim)
                {
                    ForwardInterim(head);
                    continue;
                }
                OnResponseHead(head);
                return;
            }
        }

        /// <summary>
        /// A proxy forwards 1xx responses it did not ask for (RFC 9110 §15.2) to HTTP/1.1 clients; HTTP/1.0 clients
        /// cannot take them. A 100 for a request that sent <c>Expect: 100-continue</c> is the proxy's to give (the
        /// backend never saw the expectation), so the backend's is dropped.
        /// </summary>
        private void ForwardInterim(HttpResponseHead head)
        {
            var request = Exchange.Request!;
            if (request.Version < 11 || head.Status == 100 && request.ExpectContinue) return;
            HopByHopHeaders.Strip(head.Headers);
            AppendVia(head.Headers, head.Version);
            Emit(new ResponseInterimPart { Status = head.Status, Reason = head.Reason, Headers = head.Headers });
        }

        private void OnResponseHead(HttpResponseHead head)
        {
            var exchange = Exchange;
            var pool = exchange.Pool!;
            var request = exchange.Request!;
            if (exchange.UpstreamProxy is { } proxy && proxy.RefusedCredentials(head))
            {
                // The upstream proxy refused the credentials (or wants some): the client cannot fix that with
                // its own Proxy-Authorization, which is not forwarded, so it is the gateway's failure.
                RespondUpstreamError(ProxyError.UpstreamProxyRefusedCredentials, $"upstream proxy {proxy.Display} refused the credentials ({head.Status})");
                return;
            }
            // A 5xx is the backend's failure at once; anything else is a success only once its body arrived whole.
            if (head.Status >= 500) RecordFailure();
            else exchange.AnsweredAt = Stopwatch.GetTimestamp();
            if (pool.RetryStatuses[head.Status] && exchange.MayResend && !request.HasBody &&
                exchange.Attempt < pool.Settings.Retries.Attempts)
            {
                var failed = exchange.Backend!;
                // A retried status below 500 was still an answer: the backend is credited before it is left.
                SettleSuccess();
                ReleaseUpstream(reusable: false);
                ReleaseBackend();
                if (TryScheduleRetry(failed)) return;
                // Budget exhausted: this response cannot be relayed any more (connection dropped), so map it.
                RespondUpstreamError(head.Status == 503 ? ProxyError.UpstreamUnavailable : ProxyError.UpstreamRetriesExhausted, "upstream answered " + head.Status);
                return;
            }

            exchange.Response = head;
            exchange.Status = head.Status;
            SetDeadline(DeadlineKind.ClientSend, ClientSendTimeoutMs);
            _responseBody.Begin(head);

            var headers = head.Headers;
            HopByHopHeaders.Strip(headers);
            AppendVia(headers, head.Version);
            if (!RunResponseHeadFilters(head))
            {
                // A filter broke on a response the backend gave: the client gets 500 instead of a half-filtered head.
                SettleSuccess();
                ReleaseUpstream(reusable: false);
                ReleaseBackend();
                RespondLocal(ProxyError.ResponseFilterFailed, close: true);
                return;
            }

            // A body filter that changes the bytes (compression) took Content-Length away: the connection frames the body.
            _clientFraming = head.Framing switch
            {
                BodyFraming.None => BodyFraming.None,
                BodyFraming.ContentLength when exchange.ResponseBodyFilters is null => BodyFraming.ContentLength,
                _ => request.Version == 11 ? BodyFraming.Chunked : BodyFraming.UntilClose,
            };
            // Trailers reach the client only in a chunked body: elsewhere, announcing them would be false.
            if (_clientFraming != BodyFraming.Chunked) headers.Remove("Trailer");
            if (_clientFraming == BodyFraming.UntilClose || !exchange.RequestBodyComplete) _closeAfterResponse = true;
            if (_closeAfterResponse) headers.Add("Connection", "close");
            else if (request.Version == 10) headers.Add("Connection", "keep-alive");

            _phase = Phase.ResponseBody;
            if (head.Framing == BodyFraming.None)
            {
                Emit(new ResponseHeadPart { Status = head.Status, Reason = head.Reason, Headers = headers, Framing = BodyFraming.None, Complete = true });
                EndResponse(null, upstreamReusable: head.KeepAlive, emitEnd: false);
                return;
            }
            // Body bytes that came with the head leave with it in one write.
            var read = TakeBody(out var complete, out var trailers, out var bad);
            if (bad is not null)
            {
                RespondUpstreamError(ProxyError.UpstreamMalformedResponse, "malformed response body from upstream", bad);
                return;
            }
            if (Outgoing(read, complete) is not { } body)
            {
                // Nothing left yet: the backend's answer was fine, the node's filter was not.
                SettleSuccess();
                ReleaseUpstream(reusable: false);
                ReleaseBackend();
                RespondLocal(ProxyError.ResponseFilterFailed, close: true);
                return;
            }
            Emit(new ResponseHeadPart
            {
                Status = head.Status, Reason = head.Reason, Headers = headers, Framing = _clientFraming, Body = body,
                Complete = complete && trailers is null,
            });
            if (complete)
            {
                EndResponse(trailers, upstreamReusable: head.KeepAlive, emitEnd: trailers is not null);
                return;
            }
            if (IsAvailable(_stage.Out) && _outQueue.Count == 0) ContinueResponseBody();
        }

        private void ContinueResponseBody()
        {
            if (_conn is null) return;
            if (_conn.Buffered > 0)
            {
                DeliverBody();
                return;
            }
            SetDeadline(DeadlineKind.Response, ResponseTimeoutMs);
            StartRead();
        }

        private void DeliverBody()
        {
            var read = TakeBody(out var complete, out var trailers, out var bad);
            if (bad is not null)
            {
                AbortResponse("malformed response body from upstream: " + bad, backendAtFault: true);
                return;
            }
            if (Outgoing(read, complete) is not { } data)
            {
                AbortResponse("response body filter failed", backendAtFault: false);
                return;
            }
            if (!data.IsEmpty) Emit(new ResponseBodyPart(data));
            if (complete)
            {
                EndResponse(trailers, upstreamReusable: Exchange.Response!.KeepAlive);
                return;
            }
            if (data.IsEmpty)
            {
                SetDeadline(DeadlineKind.Response, ResponseTimeoutMs);
                StartRead();
                return;
            }
            // What was read now waits for the client: until it takes it, the client's clock runs, not the backend's.
            SetDeadline(DeadlineKind.ClientSend, ClientSendTimeoutMs);
        }

        /// <summary>
        /// The response cannot be finished once it began: the client connection is aborted without the end of the
        /// body. When the backend broke it (reset, early close, bad chunk, silence) the backend is charged with the
        /// failure; when the client stopped reading, the backend's answer counts as the success it was.
        /// </summary>
        private void AbortResponse(string reason, bool backendAtFault)
        {
            var exchange = Exchange;
            if (!backendAtFault) SettleSuccess();
            else if (exchange.AnsweredAt != 0 && exchange.Backend is not null)
            {
                exchange.AnsweredAt = 0;
                RecordFailure();
            }
            exchange.Error = reason;
            CompleteExchange(exchange.Status);
            FailStage(new IOException(reason));
        }

        /// <summary>Takes as much decoded body as the upstream connection has buffered (copied out: the buffer is reused);
        /// what goes to the client is <see cref="Outgoing"/>'s.</summary>
        /// <param name="bad">Why the chunked framing is invalid; null while it is fine.</param>
        private ByteString TakeBody(out bool complete, out HttpHeaderList? trailers, out string? bad)
        {
            var conn = _conn!;
            var start = conn.ReadStart;
            var data = _responseBody.Take(conn.Buffer, ref start, conn.ReadEnd, out complete, out trailers, out bad);
            conn.ReadStart = start;
            if (conn.Buffered == 0) conn.ReadStart = conn.ReadEnd = 0;
            return data;
        }

        /// <summary>What goes to the client for body bytes read from upstream: the exchange's body filters' output
        /// (counted as bytes out); null when a filter threw (the body cannot go on).</summary>
        private ByteString? Outgoing(ByteString data, bool last)
        {
            var exchange = Exchange;
            if (exchange.ResponseBodyFilters is { } filters)
            {
                foreach (var filter in filters)
                {
                    try
                    {
                        data = filter.OnBodyChunk(data, last);
                    }
                    catch (Exception e)
                    {
                        Log.Error(e, "Response body filter {0} failed", filter.GetType().Name);
                        _runtime.FilterFailures.Count(filter, "response_body");
                        return null;
                    }
                }
            }
            exchange.BytesOut += data.Count;
            return data;
        }

        private void EndResponse(HttpHeaderList? trailers, bool upstreamReusable, bool emitEnd = true)
        {
            var exchange = Exchange;
            exchange.ResponseDone = true;
            SettleSuccess();
            // Reuse only a connection whose exchange finished cleanly on both sides.
            var reusable = upstreamReusable && _conn is not null && _conn.Buffered == 0 && !_sending &&
                           (exchange.RequestSent || !exchange.Request!.HasBody);
            ReleaseUpstream(reusable);
            ReleaseBackend();
            if (emitEnd) Emit(trailers is null ? ResponseEndPart.NoTrailers : new ResponseEndPart(trailers));
            CompleteExchange(exchange.Status);
            AfterResponse();
        }

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

        private void OnUpstreamBroken(string reason)
        {
            var exchange = Exchange;
            var backend = exchange.Backend!;
            var reused = _connReused;
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

        /// <param name="detail">What exactly went wrong (the parser's reason): logged, not sent to the client.</param>
        private void RespondUpstreamError(ProxyError error, string? reason = null, string? detail = null)
        {
            // Still holding the backend without an answer from it: its failure (timeout, malformed head).
            var exchange = Exchange;
            if (exchange.Response is null && exchange.Backend is not null) RecordFailure();
            if (detail is not null)
                Log.Warning("Upstream {0} sent a malformed response: {1}", exchange.UpstreamAddress ?? "?", detail);
            ReleaseUpstream(reusable: false);
            ReleaseBackend();
            RespondLocal(error, close: !exchange.RequestBodyComplete || _closeAfterResponse, reason, detail: detail);
        }

        /// <summary>A small response the proxy makes itself (errors): no internal addresses, no stack traces. Its status
        /// comes from <see cref="ProxyErrors"/>; <paramref name="reason"/> replaces the error's default text.</summary>
        private void RespondLocal(ProxyError error, bool close, string? reason = null, HttpHeaderList? extra = null,
            string? detail = null)
        {
            var exchange = Exchange;
            var status = ProxyErrors.StatusOf(error);
            reason ??= ProxyErrors.TextOf(error);
            exchange.Status = status;
            exchange.Error = detail is null ? reason : reason + ": " + detail;
            _deadlineKind = DeadlineKind.None;
            if (close || !exchange.RequestBodyComplete) _closeAfterResponse = true;
            exchange.LocalAnswer = true;
            var text = HttpStatusText.Get(status);
            var body = Encoding.UTF8.GetBytes(status + " " + text + ": " + reason + "\n");
            var headers = new HttpHeaderList(4);
            headers.Add("Content-Type", "text/plain; charset=utf-8");
            headers.Add("Content-Length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (extra is not null)
                for (var i = 0; i < extra.Count; i++) headers.Add(extra[i].Key, extra[i].Value);
            // The answer to a response head filter's failure does not go through the filters again.
            if (error != ProxyError.ResponseFilterFailed)
            {
                RunResponseHeadFilters(new HttpResponseHead
                {
                    Status = status, Reason = text, Version = 11, Headers = headers, Framing = BodyFraming.ContentLength,
                    ContentLength = body.Length,
                });
            }
            if (_closeAfterResponse) headers.Add("Connection", "close");
            else if (exchange.Request?.Version == 10) headers.Add("Connection", "keep-alive");
            var headOnly = exchange.Request?.Method == "HEAD";
            Emit(new ResponseHeadPart
            {
                Status = status, Headers = headers, Framing = headOnly ? BodyFraming.None : BodyFraming.ContentLength,
                Body = headOnly ? ByteString.Empty : ByteString.FromBytes(body), Complete = true,
            });
            exchange.BytesOut = headOnly ? 0 : body.Length;
            CompleteExchange(status);
            exchange.ResponseDone = true;
            _phase = Phase.Closing;
            if (_closeAfterResponse)
            {
                _exchange = null;
                if (_outQueue.Count == 0) FinishConnection();
                return;
            }
            AfterResponse();
        }

        private void FinishConnection()
        {
            if (_outQueue.Count > 0) return;
            CompleteStage();
        }

        private void ReleaseUpstream(bool reusable)
        {
            var conn = _conn;
            if (conn is null) return;
            _conn = null;
            // A write still pending on a released connection fails with it; no send deadline applies any more.
            _sendDeadline = 0;
            if (reusable && !_reading && !_sending) conn.Backend.Connections.Return(conn);
            else conn.Backend.Connections.Discard(conn);
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
            exchange.Backend!.RecordFailure(exchange.AttemptStart);
            exchange.Pool!.RequestReport();
        }

        private void ReleaseBackend()
        {
            // Also called from PostStop, when no exchange may be in progress.
            if (_exchange is not { Backend: { } backend } exchange) return;
            exchange.Backend = null;
            backend.EndRequest();
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

        private void OnDrain()
        {
            _draining = true;
            if (_phase == Phase.AwaitHead && _context.HeadStartedAt == 0) FinishConnection();
            else _closeAfterResponse = true;
        }

        private void SetDeadline(DeadlineKind kind, long inMs)
        {
            _deadlineKind = kind;
            _deadline = Environment.TickCount64 + inMs;
            ArmTimeout(inMs);
        }

        /// <summary>Schedules the one timer for <paramref name="inMs"/> from now, unless it already fires sooner (several
        /// deadlines share it; when it fires, every pending deadline is checked and the timer re-armed for the next).</summary>
        private void ArmTimeout(long inMs)
        {
            var at = Environment.TickCount64 + inMs;
            if (at >= _timerFiresAt) return;
            _timerFiresAt = at;
            ScheduleOnce(TimeoutTimer, TimeSpan.FromMilliseconds(Math.Max(1, inMs)));
        }

        /// <summary>A write to the backend made no progress for timeouts.send.</summary>
        private void OnSendTimedOut()
        {
            _sendDeadline = 0;
            if (_conn is null || _phase is not (Phase.Forwarding or Phase.ResponseBody)) return;
            const string reason = "upstream did not take the request in time";
            if (Exchange is { Response: null, Status: 0 })
            {
                RespondUpstreamError(ProxyError.UpstreamSendTimeout);
                return;
            }
            AbortResponse(reason, backendAtFault: true);
        }

        protected override void OnTimer(object timerKey)
        {
            if (ReferenceEquals(timerKey, RetryTimer))
            {
                if (_phase == Phase.Connecting && _exchange is { } exchange) StartAttempt(exchange.AvoidOnRetry);
                return;
            }
            _timerFiresAt = long.MaxValue;
            var now = Environment.TickCount64;
            if (_sendDeadline != 0)
            {
                if (now >= _sendDeadline)
                {
                    OnSendTimedOut();
                    return;
                }
                ArmTimeout(_sendDeadline - now);
            }
            switch (_deadlineKind)
            {
                case DeadlineKind.HeadOrIdle when _phase == Phase.AwaitHead:
                {
                    var headStarted = _context.HeadStartedAt;
                    var headDeadline = headStarted != 0
                        ? headStarted + HeadTimeoutMs
                        : _firstRequest ? _waitingSince + HeadTimeoutMs : long.MaxValue;
                    var idleDeadline = headStarted != 0 || _firstRequest ? long.MaxValue : _waitingSince + IdleTimeoutMs;
                    if (now >= headDeadline)
                    {
                        // Slowloris guard: the head did not arrive in time.
                        StartExchange(null);
                        RespondLocal(ProxyError.RequestHeadTimeout, close: true);
                        return;
                    }
                    if (now >= idleDeadline)
                    {
                        FinishConnection();
                        return;
                    }
                    ArmTimeout(Math.Min(headDeadline == long.MaxValue ? HeadTimeoutMs : headDeadline - now,
                        idleDeadline == long.MaxValue ? HeadTimeoutMs : idleDeadline - now));
                    return;
                }
                case DeadlineKind.TunnelIdle:
                    OnTunnelIdleCheck(now);
                    return;
                case DeadlineKind.Response or DeadlineKind.ClientSend when _exchange is null:
                    // The exchange ended (and was logged) while its last bytes wait for the client to take them.
                    if (now < _deadline)
                    {
                        ArmTimeout(_deadline - now);
                        return;
                    }
                    FailStage(new IOException("client did not read the response in time"));
                    return;
                case DeadlineKind.Response:
                    if (now < _deadline)
                    {
                        ArmTimeout(_deadline - now);
                        return;
                    }
                    if (Exchange.Response is null)
                    {
                        RespondUpstreamError(ProxyError.UpstreamResponseTimeout);
                        return;
                    }
                    AbortResponse("upstream response body timed out", backendAtFault: true);
                    return;
                case DeadlineKind.ClientSend when _phase == Phase.ResponseBody:
                    if (now < _deadline)
                    {
                        ArmTimeout(_deadline - now);
                        return;
                    }
                    AbortResponse("client did not read the response in time", backendAtFault: false);
                    return;
                default:
                    // No deadline pending: the next state change re-arms the timer.
                    return;
            }
        }
    }
}
