using Prometheus;

namespace Proxy.Actors.Caching;

/// <summary>
/// E5's metrics, read from the stores when Prometheus scrapes (nothing is updated on the request path beyond the
/// stores' own counters): <c>proxy_cache_requests_total{route,result}</c> (hit, miss, stale, coalesced, and owner: a miss
/// answered by the key's owner node),
/// <c>proxy_cache_bytes{route}</c> and <c>proxy_cache_entries{route}</c>.
/// </summary>
public sealed class CacheMetrics
{
    private readonly ResponseCaches _caches;
    private readonly Counter _requests;
    private readonly Gauge _bytes;
    private readonly Gauge _entries;

    public CacheMetrics(CollectorRegistry registry, ResponseCaches caches)
    {
        _caches = caches;
        var metrics = Prometheus.Metrics.WithCustomRegistry(registry);
        // The stores count; a scrape moves the counter up to their totals.
        _requests = metrics.CreateCounter("proxy_cache_requests_total", "Requests to a route's cache on this node, by result.",
            new CounterConfiguration { LabelNames = ["route", "result"] });
        _bytes = metrics.CreateGauge("proxy_cache_bytes", "Bytes a route's cache holds on this node.", new GaugeConfiguration { LabelNames = ["route"] });
        _entries = metrics.CreateGauge("proxy_cache_entries", "Responses a route's cache holds on this node.", new GaugeConfiguration { LabelNames = ["route"] });
        registry.AddBeforeCollectCallback(Update);
    }

    private void Update()
    {
        foreach (var (route, store) in _caches.Stores)
        {
            _requests.WithLabels(route, "hit").IncTo(store.Hits);
            _requests.WithLabels(route, "miss").IncTo(store.Misses);
            _requests.WithLabels(route, "stale").IncTo(store.Stale);
            _requests.WithLabels(route, "coalesced").IncTo(store.Coalesced);
            _requests.WithLabels(route, "owner").IncTo(store.FromOwner);
            _bytes.WithLabels(route).Set(store.Bytes);
            _entries.WithLabels(route).Set(store.Count);
        }
    }
}
