using System.Diagnostics;
using Proxy.Actors.Forwarding;
using Proxy.Actors.Pools;
using Proxy.Shared.Forwarding;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;
using Proxy.Shared.Routing;

namespace Proxy.Actors.Exchange;

/// <summary>
/// Everything one request/response exchange knows: created when a request head arrives (or when the node answers
/// before one was parsed) and dropped when the exchange ends, so nothing carries over to the next request on the
/// connection. It holds no framing or socket state: the connection's stage owns those, and phases see the exchange
/// only through this object.
/// </summary>
public sealed class ExchangeContext : IExchange
{
    /// <param name="request">Null when the node answers without a parsed head (a malformed or late one).</param>
    public ExchangeContext(HttpRequestHead? request, string client)
    {
        Request = request;
        Client = client;
        StartTimestamp = Stopwatch.GetTimestamp();
        RequestFullyRead = request is not { HasBody: true };
    }

    public HttpRequestHead? Request { get; }

    /// <summary>The client's address as the access log and the forwarding headers show it.</summary>
    public string Client { get; }

    /// <summary>The client's connection is TLS.</summary>
    public bool Secure { get; internal set; }

    /// <summary>E5: another node's request on the internal cache listener (this node owns its key); prepared there.</summary>
    public bool FromCachePeer { get; internal set; }

    /// <summary>The listener the request came in on (a metrics label).</summary>
    public string Listener { get; init; } = "";

    private Dictionary<object, object?>? _items;

    public IDictionary<object, object?> Items => _items ??= new Dictionary<object, object?>();

    /// <summary>When the exchange began (<see cref="Stopwatch"/> ticks).</summary>
    public long StartTimestamp { get; }

    // ---------------------------------------------------------------- routing and request filters

    public CompiledRoute? Route { get; set; }

    public PoolRuntime? Pool { get; set; }

    /// <summary>The route's filters per phase (none on forward listeners).</summary>
    public RoutePipeline Pipeline { get; set; } = RoutePipeline.Empty;

    /// <summary>The request filter to run next.</summary>
    public int NextRequestFilter { get; set; }

    /// <summary>E6: the request's id (the client's or a generated one); null while none was decided or when the
    /// route has request ids off.</summary>
    public string? RequestId { get; set; }

    /// <summary>The request-target sent upstream in origin-form when a filter rewrote it (R3); null: derived from the
    /// client's. The request head keeps what the client sent (the access log shows that).</summary>
    public string? UpstreamTarget { get; set; }

    // ---------------------------------------------------------------- forward mode (X1)

    /// <summary>The forward listener's state, for a request on a forward listener.</summary>
    public ForwardRuntime? Forward { get; set; }

    /// <summary>The upstream proxy the request goes through (null: straight to the target).</summary>
    public UpstreamProxy? UpstreamProxy { get; set; }

    /// <summary>That upstream proxy as a backend with its connection pool; every attempt goes to it.</summary>
    public Backend? UpstreamProxyBackend { get; set; }

    // ---------------------------------------------------------------- upstream attempts

    /// <summary>The backend of the current attempt, held (counted as in flight) until released.</summary>
    public Backend? Backend { get; set; }

    /// <summary>Where the request went last, for the access log.</summary>
    public string? UpstreamAddress { get; set; }

    /// <summary>Retries made so far (0 on the first attempt).</summary>
    public int Attempt { get; set; }

    /// <summary>Resends after a kept-alive connection failed before any response byte (at most one).</summary>
    public int StaleRetries { get; set; }

    /// <summary>The request may be sent again once written (idempotent, Idempotency-Key, or opted in).</summary>
    public bool MayResend { get; set; }

    /// <summary>The backend a retry should avoid.</summary>
    public Backend? AvoidOnRetry { get; set; }

    /// <summary>When the current attempt began (<see cref="Stopwatch"/> ticks).</summary>
    public long AttemptStart { get; set; }

    /// <summary>The current attempt's backend, kept for its outcome after the backend itself was released.</summary>
    public Backend? AttemptBackend { get; set; }

    /// <summary>The current attempt has begun and its outcome was not reported yet.</summary>
    public bool AttemptOpen { get; set; }

    /// <summary>O5: the exchange's SERVER span, while it runs (null when not traced).</summary>
    public System.Diagnostics.Activity? ServerSpan { get; set; }

    /// <summary>O5: the trace context passed upstream when the request is not sampled (no span is made for it).</summary>
    public Tracing.UnsampledTrace? UnsampledTrace { get; set; }

    /// <summary>O5: the current attempt's CLIENT span.</summary>
    public System.Diagnostics.Activity? ClientSpan { get; set; }

    /// <summary>When the current attempt's response head arrived; 0 once its outcome is recorded.</summary>
    public long AnsweredAt { get; set; }

    /// <summary>The current attempt's response arrived whole (or the client gave up on it): its backend answered well.</summary>
    public void SettleSuccess()
    {
        if (AnsweredAt == 0 || Backend is null) return;
        Backend.RecordSuccess(AttemptStart, AnsweredAt);
        AnsweredAt = 0;
    }

    /// <summary>Counts a failure of the current attempt's backend for the cluster, and has it reported now.</summary>
    public void RecordFailure() => Pool!.RecordFailure(Backend!, AttemptStart);

    /// <summary>The current attempt's backend is no longer held (counted as in flight).</summary>
    public void ReleaseBackend()
    {
        if (Backend is not { } backend) return;
        Backend = null;
        backend.EndRequest();
    }

    // ---------------------------------------------------------------- progress

    /// <summary>The request head went upstream and its body began to follow.</summary>
    public bool RequestBodyStarted { get; set; }

    /// <summary>The whole request (head and body) went upstream.</summary>
    public bool RequestSent { get; set; }

    /// <summary>The client's whole request was read, end marker included.</summary>
    public bool RequestFullyRead { get; set; }

    public HttpResponseHead? Response { get; set; }

    /// <summary>What the response body passes through on its way to the client, in order; null while none.</summary>
    public List<IResponseBodyFilter>? ResponseBodyFilters { get; private set; }

    /// <summary>Runs <paramref name="filter"/> on this exchange's response body (after those added before it).</summary>
    public void AddResponseBodyFilter(IResponseBodyFilter filter) => (ResponseBodyFilters ??= new List<IResponseBodyFilter>(1)).Add(filter);

    private List<IDisposable>? _disposeAtEnd;

    /// <inheritdoc/>
    public void RegisterForDispose(IDisposable resource) => (_disposeAtEnd ??= new List<IDisposable>(1)).Add(resource);

    /// <inheritdoc/>
    public void ServeInstead(IResponseSource source) => ResponseReplacement = source ?? throw new ArgumentNullException(nameof(source));

    /// <summary>Set by a response head filter (<see cref="ServeInstead"/>); the driver takes it.</summary>
    public IResponseSource? ResponseReplacement { get; private set; }

    /// <summary>The replacement a response head filter asked for, handed over once.</summary>
    public IResponseSource? TakeResponseReplacement()
    {
        var replacement = ResponseReplacement;
        ResponseReplacement = null;
        return replacement;
    }

    /// <inheritdoc/>
    public IResponseSource? UpstreamFailureFallback { get; set; }

    /// <summary>The fallback, handed over once (to be served, or let go).</summary>
    public IResponseSource? TakeUpstreamFailureFallback()
    {
        var fallback = UpstreamFailureFallback;
        UpstreamFailureFallback = null;
        return fallback;
    }

    /// <summary>The node answered the request itself (an error, a refusal) instead of relaying a response.</summary>
    public bool LocalAnswer { get; set; }

    /// <summary>The response (relayed or the node's own) was handed to the client whole.</summary>
    public bool ResponseDone { get; set; }

    /// <summary>The status sent to the client; 0 while none was.</summary>
    public int Status { get; set; }

    /// <summary>Why the exchange failed or ended early, for the access log; null when it went well.</summary>
    public string? Error { get; set; }

    /// <summary>The node's own error's type (<c>no_healthy_backend</c>, …) when it answered itself, for metrics and traces.</summary>
    public string? ErrorType { get; set; }

    /// <summary>How the exchange failed, as OpenTelemetry's <c>error.type</c>: the node's own error when it answered
    /// itself, <c>client_closed</c> (499) or <c>response_incomplete</c> when it ended early; null when it did not fail.</summary>
    public string? FailureType => ErrorType ?? (Error is null ? null : Status == 499 ? "client_closed" : "response_incomplete");

    public long BytesIn { get; set; }

    public long BytesOut { get; set; }

    /// <summary>The observers were told (once per exchange).</summary>
    public bool Completed { get; private set; }

    /// <summary>From the start to completion (or to now while the exchange runs).</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(StartTimestamp, _endTimestamp == 0 ? Stopwatch.GetTimestamp() : _endTimestamp);

    private long _endTimestamp;

    /// <summary>Ends the exchange with the status the client got (499 when it left first) and releases what its body
    /// filters hold; false when it had ended.</summary>
    public bool Complete(int status)
    {
        if (Completed) return false;
        Completed = true;
        Status = status;
        _endTimestamp = Stopwatch.GetTimestamp();
        DisposeBodyFilters();
        TakeUpstreamFailureFallback()?.Dispose();
        TakeResponseReplacement()?.Dispose();
        if (_disposeAtEnd is { } resources)
        {
            _disposeAtEnd = null;
            foreach (var resource in resources) resource.Dispose();
        }
        return true;
    }

    /// <summary>Releases the body filters' resources (native encoders); safe to call more than once.</summary>
    public void DisposeBodyFilters()
    {
        if (ResponseBodyFilters is not { } filters) return;
        ResponseBodyFilters = null;
        foreach (var filter in filters) filter.Dispose();
    }

    /// <summary>Every byte of the request body was received (the end marker may still be pending).</summary>
    public bool RequestBodyComplete => RequestFullyRead || Request is { Chunked: false } r && BytesIn >= r.ContentLength;
}
