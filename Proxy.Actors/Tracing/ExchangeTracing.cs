using System.Diagnostics;
using Proxy.Actors.Exchange;
using Proxy.Shared.Http;

namespace Proxy.Actors.Tracing;

/// <summary>
/// O5: the exchange's spans, as an observer of its fixed points: one SERVER span per request (<c>{method} {route}</c>),
/// one CLIENT span per upstream attempt (<c>http.request.resend_count</c> on retries), in OpenTelemetry's HTTP semantic
/// conventions. The W3C trace context (<c>traceparent</c>, <c>tracestate</c>) is taken from the client and passed
/// upstream with the CLIENT span's id, so the backend's spans are children of this node's attempt. The sampling
/// decision is made here (see <see cref="OnExchangeStarted"/>), export is the OpenTelemetry SDK's (wired by the node); an
/// unsampled request makes no span and still passes its trace id upstream, so the context propagates whatever the ratio.
/// The spans are never made <see cref="Activity.Current"/> (<see cref="DetachedSpan"/>).
/// </summary>
public sealed class ExchangeTracing : IExchangeObserver
{
    /// <summary>The <see cref="ActivitySource"/> name a tracer provider subscribes to.</summary>
    public const string SourceName = "Proxy";

    private readonly double _sampleRatio;

    /// <param name="sampleRatio">The share of requests without a client's trace context that are recorded; a client's
    /// context is followed (parent-based sampling: its sampled flag decides).</param>
    public ExchangeTracing(double sampleRatio) => _sampleRatio = sampleRatio;

    public void OnExchangeStarted(ExchangeContext exchange)
    {
        if (exchange.Request is not { } request) return;
        var traceparent = request.Headers.Get("traceparent");
        var hasParent = UnsampledTrace.TryParse(traceparent, out var traceId, out var parentSampled);
        // The sampling decision is made here, before any Activity exists: the SDK's own sampler would make a
        // propagation-only Activity for every dropped request. The node's tracer provider records what it is given.
        if (!(hasParent ? parentSampled : DetachedSpan.SampleNew(_sampleRatio)))
        {
            exchange.UnsampledTrace = hasParent ? new UnsampledTrace(traceId, request.Headers.Get("tracestate")) : UnsampledTrace.NewRoot();
            return;
        }
        ActivityContext parent = default;
        if (hasParent) ActivityContext.TryParse(traceparent!, request.Headers.Get("tracestate"), isRemote: true, out parent);
        var span = DetachedSpan.Start(request.Method, ActivityKind.Server, parent);
        if (span is null) return;
        exchange.ServerSpan = span;
        if (!span.IsAllDataRequested) return;
        span.SetTag("http.request.method", request.Method);
        span.SetTag("url.path", request.Path);
        span.SetTag("url.scheme", exchange.Secure ? "https" : "http");
        span.SetTag("client.address", exchange.Client);
        span.SetTag("network.protocol.version", request.Version == 10 ? "1.0" : "1.1");
        span.SetTag("proxy.listener", exchange.Listener);
    }

    public void OnAttemptStarted(ExchangeContext exchange)
    {
        if (exchange.Request is not { } request) return;
        if (exchange.UnsampledTrace is { } unsampled)
        {
            request.Headers.Set("traceparent", unsampled.TraceParent());
            if (unsampled.TraceState is { Length: > 0 } passed) request.Headers.Set("tracestate", passed);
            return;
        }
        if (exchange.ServerSpan is not { } server) return;
        var span = DetachedSpan.Start(request.Method, ActivityKind.Client, server.Context);
        exchange.ClientSpan = span;
        // The backend's parent is this attempt.
        var context = span?.Context ?? new ActivityContext(server.TraceId, ActivitySpanId.CreateRandom(), server.ActivityTraceFlags,
            server.TraceStateString);
        request.Headers.Set("traceparent", TraceParent(context));
        if (context.TraceState is { Length: > 0 } state) request.Headers.Set("tracestate", state);
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag("http.request.method", request.Method);
        if (exchange.AttemptBackend is { } backend)
        {
            span.SetTag("server.address", backend.Settings.Host);
            span.SetTag("server.port", backend.Settings.Port);
        }
        if (exchange.Pool is { } pool) span.SetTag("proxy.pool", pool.Name);
        var resends = exchange.Attempt + exchange.StaleRetries;
        if (resends > 0) span.SetTag("http.request.resend_count", resends);
    }

    public void OnAttemptCompleted(ExchangeContext exchange, in UpstreamAttempt attempt)
    {
        if (exchange.ClientSpan is not { } span) return;
        exchange.ClientSpan = null;
        if (span.IsAllDataRequested)
        {
            if (attempt.Status != 0) span.SetTag("http.response.status_code", attempt.Status);
            if (attempt.ErrorType is { } error)
            {
                span.SetTag("error.type", error);
                span.SetStatus(ActivityStatusCode.Error);
            }
        }
        DetachedSpan.Stop(span);
    }

    public void OnExchangeCompleted(ExchangeContext exchange)
    {
        if (exchange.ServerSpan is not { } span) return;
        exchange.ServerSpan = null;
        var method = exchange.Request!.Method;
        span.DisplayName = exchange.Route is { } route ? method + " " + route.Name : method;
        if (span.IsAllDataRequested)
        {
            if (exchange.Route is { } matched) span.SetTag("http.route", matched.Name);
            span.SetTag("http.response.status_code", exchange.Status);
            if (exchange.RequestId is { } id) span.SetTag("proxy.request_id", id);
            if (exchange.UpstreamAddress is { } upstream) span.SetTag("proxy.upstream", upstream);
            var failure = exchange.FailureType;
            if (failure is not null) span.SetTag("error.type", failure);
            // A server span is an error for a 5xx only (a 4xx is the client's), or when the exchange ended early.
            if (exchange.Status >= 500 || exchange.Error is not null && exchange.ErrorType is null) span.SetStatus(ActivityStatusCode.Error);
        }
        DetachedSpan.Stop(span);
    }

    /// <summary>W3C <c>traceparent</c> for <paramref name="context"/> (version 00), written in one string.</summary>
    public static string TraceParent(ActivityContext context) => string.Create(TraceParentText.Length, context, static (text, c) =>
    {
        Span<byte> ids = stackalloc byte[24];
        c.TraceId.CopyTo(ids[..16]); // it fills the span it is given: exactly the 16 bytes
        c.SpanId.CopyTo(ids[16..]);
        TraceParentText.Write(text, ids, (c.TraceFlags & ActivityTraceFlags.Recorded) != 0);
    });
}
