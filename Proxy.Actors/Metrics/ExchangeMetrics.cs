using System.Collections.Concurrent;
using Prometheus;
using Proxy.Actors.Exchange;

namespace Proxy.Actors.Metrics;

/// <summary>
/// O3: the exchange's figures, as an observer of its fixed points, in OpenTelemetry's HTTP semantic conventions
/// (Prometheus form): <c>http_server_request_duration_seconds</c> and <c>http_server_active_requests</c> per request,
/// <c>http_client_request_duration_seconds</c> per upstream attempt, <c>proxy_upstream_retries_total</c>, and the bytes
/// each route took in and sent out. Labels are bounded: listener, route and pool names from the configuration,
/// backend addresses, methods (unknown ones as <c>_OTHER</c>), status codes and error types. The labelled series are
/// made once and kept (static factories: a lookup allocates nothing), so a request costs a dictionary lookup and an
/// observation per instrument.
/// </summary>
public sealed class ExchangeMetrics : IExchangeObserver
{
    /// <summary>1 ms to 10 s, as OpenTelemetry's advice for HTTP durations (from 5 ms there), with 1 and 2.5 ms added:
    /// the proxy's own share of a request is below 5 ms.</summary>
    private static readonly double[] DurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly Histogram _server;
    private readonly Gauge _active;
    private readonly Histogram _client;
    private readonly Counter _retries;
    private readonly Counter _bytesIn;
    private readonly Counter _bytesOut;

    private readonly ConcurrentDictionary<ServerSeries, Histogram.Child> _serverSeries = new();
    private readonly ConcurrentDictionary<ClientSeries, Histogram.Child> _clientSeries = new();
    private readonly ConcurrentDictionary<string, Gauge.Child> _activeSeries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (Counter.Child In, Counter.Child Out)> _routeBytes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Pool, string Reason), Counter.Child> _retrySeries = new();

    public ExchangeMetrics(IMetricFactory metrics)
    {
        _server = metrics.CreateHistogram("http_server_request_duration_seconds",
            "Duration of HTTP server requests: from the request head to the response handed to the client whole.",
            new HistogramConfiguration
            {
                LabelNames = ["http_request_method", "http_response_status_code", "http_route", "listener", "error_type"],
                Buckets = DurationBuckets,
            });
        _active = metrics.CreateGauge("http_server_active_requests", "HTTP server requests in progress.",
            new GaugeConfiguration { LabelNames = ["listener"] });
        _client = metrics.CreateHistogram("http_client_request_duration_seconds",
            "Duration of upstream attempts: from picking the backend to its response read whole, or the attempt's failure.",
            new HistogramConfiguration
            {
                LabelNames = ["pool", "server_address", "http_response_status_code", "error_type"],
                Buckets = DurationBuckets,
            });
        _retries = metrics.CreateCounter("proxy_upstream_retries_total",
            "Upstream attempts made again after a failed one, by pool and the failed attempt's error type.",
            new CounterConfiguration { LabelNames = ["pool", "reason"] });
        _bytesIn = metrics.CreateCounter("proxy_request_body_bytes_total", "Request body bytes received from clients, by route.",
            new CounterConfiguration { LabelNames = ["http_route"] });
        _bytesOut = metrics.CreateCounter("proxy_response_body_bytes_total", "Response body bytes sent to clients, by route.",
            new CounterConfiguration { LabelNames = ["http_route"] });
    }

    public void OnExchangeStarted(ExchangeContext exchange) => Active(exchange.Listener).Inc();

    public void OnAttemptCompleted(ExchangeContext exchange, in UpstreamAttempt attempt)
    {
        var key = new ClientSeries(exchange.Pool?.Name ?? "", attempt.Backend.Address, attempt.Status, attempt.ErrorType ?? "");
        _clientSeries.GetOrAdd(key, static (k, client) => client.WithLabels(k.Pool, k.Server, MetricLabels.Status(k.Status), k.ErrorType), _client)
            .Observe(attempt.Duration.TotalSeconds);
    }

    public void OnRetry(ExchangeContext exchange, string reason)
    {
        _retrySeries.GetOrAdd((exchange.Pool?.Name ?? "", reason), static (k, retries) => retries.WithLabels(k.Pool, k.Reason), _retries).Inc();
    }

    public void OnExchangeCompleted(ExchangeContext exchange)
    {
        Active(exchange.Listener).Dec();
        var route = exchange.Route?.Name ?? "";
        var key = new ServerSeries(exchange.Listener, route, MetricLabels.Method(exchange.Request?.Method), exchange.Status,
            ServerErrorType(exchange));
        _serverSeries.GetOrAdd(key, static (k, server) => server.WithLabels(k.Method, MetricLabels.Status(k.Status), k.Route, k.Listener, k.ErrorType), _server)
            .Observe(exchange.Elapsed.TotalSeconds);
        if (route.Length == 0) return;
        var bytes = _routeBytes.GetOrAdd(route, static (r, self) => (self._bytesIn.WithLabels(r), self._bytesOut.WithLabels(r)), this);
        if (exchange.BytesIn > 0) bytes.In.Inc(exchange.BytesIn);
        if (exchange.BytesOut > 0) bytes.Out.Inc(exchange.BytesOut);
    }

    /// <summary>OpenTelemetry's <c>error.type</c> for a server request: the node's own error (<c>no_healthy_backend</c>,
    /// <c>upstream_connect_timeout</c>, …) when it answered itself, how an exchange ended early, or the status of a relayed
    /// 5xx; empty for a success.</summary>
    private static string ServerErrorType(ExchangeContext exchange) =>
        exchange.FailureType ?? (exchange.Status >= 500 ? MetricLabels.Status(exchange.Status) : "");

    private Gauge.Child Active(string listener) => _activeSeries.GetOrAdd(listener, static (l, active) => active.WithLabels(l), _active);

    private readonly record struct ServerSeries(string Listener, string Route, string Method, int Status, string ErrorType);

    private readonly record struct ClientSeries(string Pool, string Server, int Status, string ErrorType);
}
