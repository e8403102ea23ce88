using Proxy.Actors.Exchange;
using Proxy.Actors.Forwarding;
using Proxy.Actors.Limits;
using Proxy.Actors.Logging;
using Proxy.Actors.Pools;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;
using Proxy.Shared.Routing;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Connections;

/// <summary>Everything a request needs to be decided, as one immutable snapshot (swapped whole on reload).</summary>
public sealed class RuntimeSnapshot
{
    public RuntimeSnapshot(ProxySettings settings, RouteTable routes, IReadOnlyDictionary<string, PoolRuntime> pools,
        IReadOnlyDictionary<string, ForwardRuntime>? forwarders = null, LimiterRuntime? limiter = null, Action<string>? warn = null,
        IReadOnlyDictionary<string, IExchangeFilter>? plugins = null, Caching.ResponseCaches? caches = null)
    {
        Limiter = limiter;
        Caches = caches;
        Settings = settings;
        Routes = routes;
        Pools = pools;
        Forwarders = forwarders ?? new Dictionary<string, ForwardRuntime>();
        Plugins = plugins ?? new Dictionary<string, IExchangeFilter>();
        _pipelines = RoutePipeline.ForRoutes(settings.Routes, limiter, warn, plugins, caches, settings.AddForwardedHeader);
        DefaultPipeline = RoutePipeline.ForDefaults(settings.Defaults);
        Limits = new HttpLimits
        {
            MaxHeadBytes = settings.Limits.MaxHeadBytes,
            MaxHeaders = settings.Limits.MaxHeaders,
            MaxUriBytes = settings.Limits.MaxUriBytes,
            MaxBodyBytes = settings.Limits.MaxBodyBytes,
        };
    }

    public ProxySettings Settings { get; }

    /// <summary>E5: the node's response stores, carried from snapshot to snapshot; null when not kept (tests).</summary>
    public Caching.ResponseCaches? Caches { get; }

    /// <summary>O6: the cluster config revision these settings come from (0: the node's own config file).</summary>
    public long Revision { get; init; }

    public RouteTable Routes { get; }
    public IReadOnlyDictionary<string, PoolRuntime> Pools { get; }
    /// <summary>Per forward-mode listener, by listener name.</summary>
    public IReadOnlyDictionary<string, ForwardRuntime> Forwarders { get; }
    public HttpLimits Limits { get; }

    private readonly IReadOnlyDictionary<string, RoutePipeline> _pipelines;

    /// <summary>The route's filters per phase.</summary>
    public RoutePipeline PipelineFor(CompiledRoute route) =>
        _pipelines.TryGetValue(route.Name, out var pipeline) ? pipeline : RoutePipeline.Empty;

    /// <summary>The filters of an exchange on a reverse listener until a route is found (and when none is).</summary>
    public RoutePipeline DefaultPipeline { get; }

    /// <summary>The filters <c>proxy.plugins</c> loaded at start, by name.</summary>
    public IReadOnlyDictionary<string, IExchangeFilter> Plugins { get; }

    /// <summary>Rate limits (L2 leases); null when none are configured.</summary>
    public LimiterRuntime? Limiter { get; }
}

/// <summary>
/// The node's shared, read-mostly state: the current snapshot (one writer publishes, connection stages read
/// without locks) and the draining flag set by graceful shutdown.
/// </summary>
public sealed class ProxyRuntime
{
    private volatile RuntimeSnapshot _current;
    private volatile bool _draining;

    /// <param name="observers">Told of every exchange after the access log (metrics, tracing).</param>
    public ProxyRuntime(RuntimeSnapshot initial, AccessLog accessLog, ClusterStateGate? clusterState = null,
        FilterFailures? filterFailures = null, IReadOnlyList<IExchangeObserver>? observers = null)
    {
        FilterFailures = filterFailures ?? FilterFailures.Uncounted;
        _current = initial;
        AccessLog = accessLog;
        IEnumerable<IExchangeObserver> log = accessLog.Enabled ? [new AccessLogObserver(accessLog)] : [];
        Observers = log.Concat(observers ?? []).ToArray();
        ClusterState = clusterState;
    }

    /// <summary>Opens when every pool has its state from the cluster (or the startup timeout passed): listeners
    /// accept only from then on. Null: nothing to wait for.</summary>
    public ClusterStateGate? ClusterState { get; }

    public RuntimeSnapshot Current => _current;

    /// <summary>Client connections per listener (<c>proxy_connections_*</c>).</summary>
    public Metrics.ConnectionMetrics ConnectionMetrics { get; init; } = Metrics.ConnectionMetrics.Uncounted;

    /// <summary>Counts filters that threw (<c>proxy_filter_failures_total</c>).</summary>
    public FilterFailures FilterFailures { get; }
    public AccessLog AccessLog { get; }

    /// <summary>Told of every exchange's fixed points: the access log (when on), then metrics and tracing.</summary>
    public IExchangeObserver[] Observers { get; }

    /// <summary>O5: spans of the L4 routes' sessions; null when tracing is off.</summary>
    public Tracing.TcpSessionTracing? TcpTracing { get; init; }
    public bool Draining => _draining;

    /// <summary>An exchange begins: the observers are told (in-flight figures).</summary>
    public void Start(ExchangeContext exchange)
    {
        foreach (var observer in Observers) observer.OnExchangeStarted(exchange);
    }

    /// <summary>An upstream attempt of <paramref name="exchange"/> begins.</summary>
    public void AttemptStarted(ExchangeContext exchange)
    {
        foreach (var observer in Observers) observer.OnAttemptStarted(exchange);
    }

    /// <summary>An upstream attempt of <paramref name="exchange"/> ended.</summary>
    public void AttemptCompleted(ExchangeContext exchange, in UpstreamAttempt attempt)
    {
        foreach (var observer in Observers) observer.OnAttemptCompleted(exchange, attempt);
    }

    /// <summary>A failed attempt of <paramref name="exchange"/> is made again.</summary>
    public void Retried(ExchangeContext exchange, string reason)
    {
        foreach (var observer in Observers) observer.OnRetry(exchange, reason);
    }

    /// <summary>The exchange's completion point, once per exchange: every response the node sends (relayed or its own)
    /// and every exchange that ended early reaches the observers (the access log first).</summary>
    public void Complete(ExchangeContext exchange, int status)
    {
        if (!exchange.Complete(status)) return;
        foreach (var observer in Observers) observer.OnExchangeCompleted(exchange);
    }

    public void Publish(RuntimeSnapshot snapshot) => _current = snapshot;
    public void BeginDraining() => _draining = true;
}
