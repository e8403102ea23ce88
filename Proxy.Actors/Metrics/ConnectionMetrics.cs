using Prometheus;

namespace Proxy.Actors.Metrics;

/// <summary>
/// O3: client connections per listener: <c>proxy_connections_active{listener}</c> and
/// <c>proxy_connections_total{listener,outcome}</c> (outcome <c>accepted</c>, <c>refused_limit</c> at max-connections,
/// <c>refused_stopping</c> while the listener stops). Written by the listener's actor only.
/// </summary>
public sealed class ConnectionMetrics
{
    /// <summary>For runtimes built without a metrics registry (tests that drive the stage alone).</summary>
    public static readonly ConnectionMetrics Uncounted = new(null);

    private readonly Gauge? _active;
    private readonly Counter? _total;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Runtime.CompilerServices.StrongBox<int>> _open =
        new(StringComparer.Ordinal);

    public ConnectionMetrics(IMetricFactory? metrics)
    {
        _active = metrics?.CreateGauge("proxy_connections_active", "Client connections open, by listener.",
            new GaugeConfiguration { LabelNames = ["listener"] });
        _total = metrics?.CreateCounter("proxy_connections_total", "Client connections accepted or refused, by listener and outcome.",
            new CounterConfiguration { LabelNames = ["listener", "outcome"] });
    }

    /// <summary>The series of one listener, looked up once by its actor.</summary>
    public ListenerSeries For(string listener) => new(_active?.WithLabels(listener), _total?.WithLabels(listener, "accepted"),
        _total?.WithLabels(listener, "refused_limit"), _total?.WithLabels(listener, "refused_stopping"),
        _open.GetOrAdd(listener, static _ => new System.Runtime.CompilerServices.StrongBox<int>()));

    /// <summary>The listener's open client connections (the admin API's <c>/api/status</c>), metrics on or off.</summary>
    public int OpenConnections(string listener) => _open.TryGetValue(listener, out var open) ? Volatile.Read(ref open.Value) : 0;

    public sealed class ListenerSeries(Gauge.Child? active, Counter.Child? accepted, Counter.Child? refusedLimit, Counter.Child? refusedStopping,
        System.Runtime.CompilerServices.StrongBox<int> open)
    {
        public void Accepted() => accepted?.Inc();

        public void Refused(bool stopping) => (stopping ? refusedStopping : refusedLimit)?.Inc();

        public void Open(int count)
        {
            Volatile.Write(ref open.Value, count);
            active?.Set(count);
        }
    }
}
