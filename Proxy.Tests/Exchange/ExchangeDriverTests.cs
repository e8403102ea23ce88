using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Event;
using Akka.IO;
using Proxy.Actors.Connections;
using Proxy.Actors.Exchange;
using Proxy.Actors.Logging;
using Proxy.Actors.Pools;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;
using Proxy.Shared.Routing;
using Proxy.Tests.Configuration;
using Proxy.Tests.Routing;
using Xunit;

namespace Proxy.Tests.Exchange;

/// <summary>
/// Issue 12: the exchange's phases (route, filters, attempts, relaying) driven by a front that is not the HTTP/1.1
/// connection stage — no stream, no actor, as an HTTP/2 stream will drive them — against a real backend socket on
/// 127.0.0.1. The front only records what the driver hands the client.
/// </summary>
public sealed class ExchangeDriverTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TcpListener _backend = new(IPAddress.Loopback, 0);
    private readonly List<PoolRuntime> _pools = [];

    public ExchangeDriverTests() => _backend.Start();

    private int BackendPort => ((IPEndPoint)_backend.LocalEndpoint).Port;

    public void Dispose()
    {
        _backend.Stop();
        foreach (var pool in _pools)
        foreach (var backend in pool.Backends)
            backend.Connections.Dispose();
    }

    [Fact]
    public async Task ARoutedRequest_IsFilteredSentUpstream_AndItsResponseRelayedToTheFront()
    {
        var front = new RecordingFront(Runtime($"""[ "127.0.0.1:{BackendPort}" ]"""));
        var served = Serve("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nKeep-Alive: timeout=5\r\nX-App: a\r\n\r\nhello");

        var exchange = front.Begin(TestRequests.Create(path: "/api/users"));
        await front.Ended.WaitAsync(Wait);

        var upstreamHead = await served.WaitAsync(Wait);
        Assert.StartsWith("GET /api/users HTTP/1.1\r\n", upstreamHead);
        Assert.Contains("X-Forwarded-For: 127.0.0.1", upstreamHead);
        Assert.Contains("X-Request-ID: " + exchange.RequestId, upstreamHead); // the request id filter ran
        var head = Assert.Single(front.Heads);
        Assert.Equal(200, head.Status);
        Assert.Equal("a", head.Headers.Get("X-App"));
        Assert.Null(head.Headers.Get("Keep-Alive")); // hop-by-hop, not relayed
        Assert.Equal("1.1 akka-proxy", head.Headers.Get("Via"));
        Assert.Equal(exchange.RequestId, head.Headers.Get("X-Request-ID"));
        Assert.Equal("hello", front.Body);
        Assert.True(exchange.Completed);
        Assert.Equal(200, exchange.Status);
        Assert.Null(front.LocalAnswer);
    }

    [Fact]
    public void ARequestNoRouteMatches_IsTheFrontsToAnswer_WithTheTypedError()
    {
        var front = new RecordingFront(Runtime($"""[ "127.0.0.1:{BackendPort}" ]""",
            """[ { name = api, pool = api, match { path-prefix = "/api" } } ]"""));

        front.Begin(TestRequests.Create(path: "/elsewhere"));

        Assert.Equal(ProxyError.NoRoute, front.LocalAnswer);
        Assert.Empty(front.Heads);
    }

    [Fact]
    public async Task ABackendThatRefusesConnections_IsRetried_ThenTheFrontAnswersConnectFailed()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var front = new RecordingFront(Runtime($"""[ "127.0.0.1:{port}" ]""", extraPool: "retries { attempts = 1, backoff = 10ms }"));

        var exchange = front.Begin(TestRequests.Create());
        await front.Answered.WaitAsync(Wait);

        Assert.Equal(ProxyError.UpstreamConnectFailed, front.LocalAnswer);
        Assert.Equal(1, exchange.Attempt);
    }

    [Fact]
    public async Task ABackendThatClosesMidBody_AbortsTheFront_AfterTheCompletionWasReported()
    {
        var front = new RecordingFront(Runtime($"""[ "127.0.0.1:{BackendPort}" ]"""));
        _ = Serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");

        var exchange = front.Begin(TestRequests.Create());
        var reason = await front.Aborted.WaitAsync(Wait);

        Assert.Equal("upstream closed the connection mid-body", reason);
        Assert.Equal(200, Assert.Single(front.Heads).Status);
        Assert.True(exchange.Completed);
        Assert.Equal(reason, exchange.Error);
    }

    [Fact]
    public async Task AServedResponse_IsPulledPieceByPiece_AsItsReadsComplete_WithoutAnyUpstream()
    {
        var source = new PendingSource();
        var front = new RecordingFront(ServingRuntime(source));

        var exchange = front.Begin(TestRequests.Create());
        Assert.Empty(front.Heads); // the first piece goes with the head: nothing yet
        source.Next(new BodyPiece(ByteString.FromString("abc"), Last: false));
        Assert.Equal(201, Assert.Single(front.Heads).Status);
        source.Next(new BodyPiece(ByteString.FromString("def"), Last: true));
        await front.Ended.WaitAsync(Wait);

        Assert.Equal("abcdef", front.Body);
        Assert.True(exchange.Completed);
        Assert.Equal(201, exchange.Status);
        Assert.True(source.Disposed);
        Assert.Equal(0, source.PendingReads);
    }

    [Fact]
    public async Task AServedSourceThatFailsBeforeItsFirstPiece_Is502_AndAfterIt_AbortsTheResponse()
    {
        var early = new PendingSource();
        var front = new RecordingFront(ServingRuntime(early));
        front.Begin(TestRequests.Create());
        early.Fail(new IOException("owner went away"));
        await front.Answered.WaitAsync(Wait);
        Assert.Equal(ProxyError.UpstreamBroken, front.LocalAnswer);
        Assert.True(early.Disposed);

        var late = new PendingSource();
        var second = new RecordingFront(ServingRuntime(late));
        var exchange = second.Begin(TestRequests.Create());
        late.Next(new BodyPiece(ByteString.FromString("part"), Last: false));
        late.Fail(new IOException("owner went away"));
        var reason = await second.Aborted.WaitAsync(Wait);
        Assert.Contains("owner went away", reason);
        Assert.Equal("part", second.Body);
        Assert.True(exchange.Completed);
        Assert.True(late.Disposed);
    }

    /// <summary>A route whose one request filter serves <paramref name="source"/>.</summary>
    private ProxyRuntime ServingRuntime(PendingSource source)
    {
        var settings = ConfigTesting.LoadValid(ConfigTesting.Config(
            pools: $$"""api { backends = [ "127.0.0.1:{{BackendPort}}" ] }""",
            routes: "[ { name = r, pool = api, request-id { enabled = off }, filters = [ serve ] } ]",
            extra: """plugins = [ { name = serve, assembly = "serve.dll" } ]"""));
        var pools = settings.Pools.ToDictionary(p => p.Key, p => new PoolRuntime(p.Value));
        _pools.AddRange(pools.Values);
        var plugins = new Dictionary<string, IExchangeFilter> { ["serve"] = new ServingFilter(source) };
        return new ProxyRuntime(new RuntimeSnapshot(settings, RouteTable.Build(settings.Routes), pools, plugins: plugins),
            AccessLog.Disabled);
    }

    private sealed class ServingFilter(IResponseSource source) : IRequestFilter
    {
        public ValueTask<FilterVerdict> OnRequestAsync(IExchange exchange) => ValueTask.FromResult(FilterVerdict.Serve(source));
    }

    /// <summary>A source whose reads stay pending until the test completes them.</summary>
    private sealed class PendingSource : IResponseSource
    {
        private TaskCompletionSource<BodyPiece>? _read;

        public HttpResponseHead Head { get; } = new()
        {
            Status = 201, Reason = "Created", Version = 11, Headers = new HttpHeaderList(), Framing = BodyFraming.Chunked,
        };

        public bool Disposed { get; private set; }
        public int PendingReads => _read is { Task.IsCompleted: false } ? 1 : 0;

        public ValueTask<BodyPiece> ReadAsync()
        {
            Assert.Equal(0, PendingReads); // one read at a time
            _read = new TaskCompletionSource<BodyPiece>();
            return new ValueTask<BodyPiece>(_read.Task);
        }

        public void Next(BodyPiece piece) => _read!.SetResult(piece);
        public void Fail(Exception e) => _read!.SetException(e);
        public void Dispose() => Disposed = true;
    }

    private ProxyRuntime Runtime(string backends, string? routes = null, string extraPool = "")
    {
        var settings = ConfigTesting.LoadValid(ConfigTesting.Config(
            pools: $$"""api { backends = {{backends}}, {{extraPool}} }""", routes: routes));
        var pools = settings.Pools.ToDictionary(p => p.Key, p => new PoolRuntime(p.Value));
        _pools.AddRange(pools.Values);
        return new ProxyRuntime(new RuntimeSnapshot(settings, RouteTable.Build(settings.Routes), pools), AccessLog.Disabled);
    }

    /// <summary>Accepts one connection, reads the request head, answers <paramref name="response"/> and closes.</summary>
    private async Task<string> Serve(string response)
    {
        using var client = await _backend.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var buffer = new byte[8192];
        var read = 0;
        while (!Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n"))
            read += await stream.ReadAsync(buffer.AsMemory(read));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    /// <summary>A front that records what the driver hands the client. Completions from I/O threads run under one
    /// lock, as the stage's async callback runs on its actor, one at a time.</summary>
    private sealed class RecordingFront : IExchangeFront
    {
        private readonly object _gate = new();
        private readonly ProxyRuntime _runtime;
        private readonly StringBuilder _body = new();
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<string> _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private ExchangeDriver? _driver;

        public RecordingFront(ProxyRuntime runtime)
        {
            _runtime = runtime;
            Wake = signal => { lock (_gate) _driver!.OnWake(signal); };
        }

        public List<HttpResponseHead> Heads { get; } = [];
        public string Body { get { lock (_gate) return _body.ToString(); } }
        public ProxyError? LocalAnswer { get; private set; }
        public Task Ended => _ended.Task;
        public Task Answered => _answered.Task;
        public Task<string> Aborted => _aborted.Task;

        public ExchangeContext Begin(HttpRequestHead head)
        {
            var exchange = new ExchangeContext(head, "127.0.0.1") { Pipeline = _runtime.Current.DefaultPipeline };
            lock (_gate)
            {
                _driver = new ExchangeDriver(this, _runtime, _runtime.Current.Settings.Listeners[0]);
                _driver.Begin(exchange);
            }
            return exchange;
        }

        public Action<object> Wake { get; }
        public ILoggingAdapter Log => NoLogger.Instance;
        public void ArmTimer(long inMs) { }
        public void ScheduleRetry(TimeSpan delay) =>
            Task.Delay(delay).ContinueWith(_ => { lock (_gate) _driver!.OnRetryTimer(); });
        public void PullRequestBody() { }
        public bool ReadyForResponse => true;
        public void SendInterim(ResponseInterimPart part) { }
        public void SendResponseHead(HttpResponseHead head, ByteString body, bool complete)
        {
            Heads.Add(head);
            _body.Append(body.ToString(Encoding.ASCII));
        }
        public void SendResponseBody(ByteString data) => _body.Append(data.ToString(Encoding.ASCII));
        public void SendResponseEnd(HttpHeaderList? trailers) { }
        public void ExchangeEnded(long clientDeadline) => _ended.TrySetResult();
        public void RespondLocal(ProxyError error, bool close, string? reason = null, string? detail = null, HttpHeaderList? extra = null)
        {
            LocalAnswer = error;
            _answered.TrySetResult();
        }
        public void Abort(string reason) => _aborted.TrySetResult(reason);
        public void StartTunnel(ResponseHeadPart head, Socket socket, byte[] leftover) => socket.Dispose();
    }
}
