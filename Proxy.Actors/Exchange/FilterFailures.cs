using Prometheus;

namespace Proxy.Actors.Exchange;

/// <summary><c>proxy_filter_failures_total{filter,phase}</c>: filters (built-in or plugins) that threw; each failure
/// answered its request 500 or cut its response short, and the node kept serving. The label is the filter's class
/// name (bounded: one per loaded filter type).</summary>
public sealed class FilterFailures
{
    /// <summary>For runtimes built without a metrics registry (tests that drive the stage alone).</summary>
    public static readonly FilterFailures Uncounted = new(null);

    private readonly Counter? _failures;

    public FilterFailures(IMetricFactory? metrics) =>
        _failures = metrics?.CreateCounter("proxy_filter_failures_total", "Filters that threw, by filter class and phase",
            new CounterConfiguration { LabelNames = ["filter", "phase"] });

    public void Count(object filter, string phase) => _failures?.WithLabels(filter.GetType().Name, phase).Inc();
}
