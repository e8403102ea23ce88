namespace Proxy.Shared.Configuration;

/// <summary>The validated <c>proxy { … }</c> section of a node's HOCON config.</summary>
public sealed record ProxySettings
{
    public IReadOnlyList<ListenerSettings> Listeners { get; init; } = [];
    public AdminSettings Admin { get; init; } = new();
    public IReadOnlyDictionary<string, PoolSettings> Pools { get; init; } = new Dictionary<string, PoolSettings>();
    public IReadOnlyList<RouteSettings> Routes { get; init; } = [];
    public AccessLogSettings AccessLog { get; init; } = new();
    public MetricsSettings Metrics { get; init; } = new();
    public TracingSettings Tracing { get; init; } = new();
    public LimitsSettings Limits { get; init; } = new();
    public TimeoutSettings Timeouts { get; init; } = new();
    /// <summary>How a node starts serving (C2).</summary>
    public StartupSettings Startup { get; init; } = new();
    /// <summary>D6: how a node drains on SIGTERM/SIGINT.</summary>
    public ShutdownSettings Shutdown { get; init; } = new();
    /// <summary>When set, the node starts a small built-in HTTP backend on this address (newcomer demo).</summary>
    public string? DemoBackend { get; init; }
    /// <summary>Add an RFC 7239 <c>Forwarded</c> header besides X-Forwarded-*.</summary>
    public bool AddForwardedHeader { get; init; }
    /// <summary>Node log level: trace, debug, info, warning or error.</summary>
    public string LogLevel { get; init; } = "info";
    /// <summary>Node log lines (stderr): one text line each, or one JSON object per line for log shippers.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;
    /// <summary>Token expected by the admin endpoint (never logged).</summary>
    public string? AdminToken => Admin.Token;
    /// <summary>Where the node keeps its files (the SQLite journal by default); relative to the working directory.</summary>
    public string DataDir { get; init; } = "data";
    public PersistenceSettings Persistence { get; init; } = new();
    /// <summary>Redis connection string (StackExchange.Redis syntax) for limits with <c>store = redis</c>.</summary>
    public string? Redis { get; init; }
    /// <summary>L1–L4: rate limits and quotas, by key, on routes.</summary>
    public IReadOnlyList<RateLimiting.RateLimitSettings> RateLimits { get; init; } = [];
    /// <summary>E3: raw TCP listeners spliced to a pool's backends.</summary>
    public IReadOnlyList<TcpRouteSettings> TcpRoutes { get; init; } = [];
    /// <summary>E5: how the nodes share one response cache (each key has an owner node).</summary>
    public CacheClusterSettings CacheCluster { get; init; } = new();
    /// <summary>Forward-mode listeners: upstream proxy header, default upstream, timeouts, retries, pools.</summary>
    public ForwardSettings Forward { get; init; } = new();
    /// <summary>Middleware that routes inherit (<c>proxy.defaults</c>); also what applies where no route does.</summary>
    public RouteMiddleware Defaults { get; init; } = new();
    /// <summary>Filters loaded from assemblies at start, by name (routes list them in <c>filters</c>).</summary>
    public IReadOnlyList<PluginSettings> Plugins { get; init; } = [];
}

public enum PersistenceProvider { Sqlite, PostgreSql }

/// <summary>The journal and snapshot store of the sharded entities (admin changes, quotas).</summary>
public sealed record PersistenceSettings
{
    public PersistenceProvider Provider { get; init; } = PersistenceProvider.Sqlite;
    /// <summary>ADO.NET connection string; null = a SQLite file <c>proxy.db</c> in the data directory.</summary>
    public string? ConnectionString { get; init; }
}

/// <summary>What a listener serves: a reverse proxy's routes, a forward proxy's targets, or (the node's own internal
/// listener, never configured as a mode) the cache's other nodes asking this one for the keys it owns.</summary>
public enum ListenerMode { Reverse, Forward, CachePeer }

/// <summary>
/// <c>proxy.cache-cluster</c> (E5): each cache key has an owner among the Up members; a node that misses a key it does
/// not own asks the owner on the owner's internal listener instead of the origin.
/// </summary>
public sealed record CacheClusterSettings
{
    /// <summary>Off: every node caches on its own (as nginx's proxy_cache), and no internal listener is opened.</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>The internal listener, "host:port"; null: the node's cluster host name, a port the OS chooses (the other
    /// nodes learn it from the node's cache agent).</summary>
    public string? Address { get; init; }
    /// <summary>How long a node waits for the owner's response head (the connect included) before it goes to the
    /// origin itself.</summary>
    public TimeSpan OwnerTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>One inbound listener.</summary>
public sealed record ListenerSettings
{
    public required string Name { get; init; }
    /// <summary>"host:port"; port 0 lets the OS choose (tests).</summary>
    public required string Address { get; init; }
    public ListenerMode Mode { get; init; } = ListenerMode.Reverse;
    /// <summary>Open connections above this are refused (accepted and closed at once) and counted.</summary>
    public int MaxConnections { get; init; } = 20_000;
    /// <summary>Forward mode only: which targets and upstream proxies may be reached.</summary>
    public ForwardGuardSettings Guard { get; init; } = new();
    /// <summary>TLS termination (E1); null = plain HTTP.</summary>
    public TlsSettings? Tls { get; init; }
}

public sealed record AdminSettings
{
    public string Address { get; init; } = "127.0.0.1:9110";
    public string? Token { get; init; }
}

public sealed record AccessLogSettings
{
    public bool Enabled { get; init; } = true;
    /// <summary>"stdout" or a file path.</summary>
    public string Target { get; init; } = "stdout";
}

/// <summary>O3: the request, upstream and connection figures on the admin listener's <c>/metrics</c>.</summary>
public sealed record MetricsSettings
{
    /// <summary>Off: no per-request series (the node's state gauges and the rate-limit counters stay).</summary>
    public bool Enabled { get; init; } = true;
}

/// <summary>O5: one SERVER span per request and one CLIENT span per upstream attempt, W3C trace context passed on.</summary>
public sealed record TracingSettings
{
    /// <summary>Off: no spans and no trace context of the node's own (a client's <c>traceparent</c> passes unchanged).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The share of requests without a sampled parent that are traced (a client's sampled parent is followed).</summary>
    public double SampleRatio { get; init; } = 0.01;

    /// <summary>OTLP/HTTP collector base address (spans go to its <c>/v1/traces</c>); null: no export (the trace
    /// context is still passed on).</summary>
    public string? OtlpEndpoint { get; init; }
}

/// <summary>HTTP/1.1 parsing limits (defaults like nginx/Envoy).</summary>
public sealed record LimitsSettings
{
    public int MaxHeadBytes { get; init; } = 64 * 1024;
    public int MaxHeaders { get; init; } = 100;
    public int MaxUriBytes { get; init; } = 8 * 1024;
    /// <summary>0 = unlimited.</summary>
    public long MaxBodyBytes { get; init; }
}

/// <summary><c>proxy.shutdown</c>: on SIGTERM <c>/ready</c> turns 503 at once; listeners keep accepting for
/// <see cref="DrainDelay"/> (responses carry <c>Connection: close</c>) so load balancers move away; then they stop,
/// idle connections close, in-flight requests get up to <see cref="Timeout"/>, and the node leaves the cluster.</summary>
public sealed record ShutdownSettings
{
    public TimeSpan DrainDelay { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary><c>proxy.startup</c>: listeners accept once every pool has its state from the cluster.</summary>
public sealed record StartupSettings
{
    /// <summary>How long listeners wait for the pools' cluster state; past it the node serves with the config's
    /// defaults and is not ready until the state arrives. 0 = do not wait.</summary>
    public TimeSpan StateTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Client-side timeouts.</summary>
public sealed record TimeoutSettings
{
    /// <summary>Time allowed to receive a complete request head (slowloris guard).</summary>
    public TimeSpan RequestHead { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Idle keep-alive time between requests.</summary>
    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(75);
    /// <summary>A client that takes no response bytes for this long is cut off (nginx's <c>send_timeout</c>).</summary>
    public TimeSpan ClientSend { get; init; } = TimeSpan.FromSeconds(60);
}

public enum LoadBalancingPolicyKind { RoundRobin, WeightedRoundRobin, LeastRequests, PowerOfTwo, ConsistentHash, Random }

/// <summary>A named set of backends with its balancing, timeout and retry settings.</summary>
public sealed record PoolSettings
{
    public required string Name { get; init; }
    public LoadBalancingPolicyKind Policy { get; init; } = LoadBalancingPolicyKind.RoundRobin;
    public IReadOnlyList<BackendSettings> Backends { get; init; } = [];
    public PoolTimeouts Timeouts { get; init; } = new();
    public RetrySettings Retries { get; init; } = new();
    public UpstreamConnectionSettings Connections { get; init; } = new();
    /// <summary>Active health checks, run once per pool for the whole cluster; null = none (passive only).</summary>
    public HealthCheckSettings? Health { get; init; }
    public BreakerSettings Breaker { get; init; } = new();
    public OutlierSettings Outlier { get; init; } = new();
    /// <summary>What the consistent-hash policy hashes.</summary>
    public HashKeySettings HashKey { get; init; } = new();
    /// <summary>How <c>https://</c> backends are verified (E1).</summary>
    public UpstreamTlsSettings Tls { get; init; } = new();
    /// <summary>Limits on the response heads this pool's backends send.</summary>
    public ResponseLimitSettings Limits { get; init; } = new();
}

/// <summary>A pool's <c>limits { max-head-size, max-headers }</c>: a response head over either is a 502.</summary>
public sealed record ResponseLimitSettings
{
    /// <summary>Status line and header section together, in bytes.</summary>
    public int MaxHeadBytes { get; init; } = 64 * 1024;
    public int MaxHeaders { get; init; } = 100;
}

/// <summary>A pool's <c>tls { verify, ca-file, server-name }</c> for its <c>https://</c> backends.</summary>
public sealed record UpstreamTlsSettings
{
    /// <summary>Validate the backend's certificate (chain and name). Off only for tests and trusted networks.</summary>
    public bool Verify { get; init; } = true;
    /// <summary>PEM file of the CA(s) to trust instead of the system store (e.g. a private CA).</summary>
    public string? CaFile { get; init; }
    /// <summary>SNI and the name the certificate must carry; default: the backend's host.</summary>
    public string? ServerName { get; init; }
}

/// <summary>P2: an HTTP GET to each backend every interval; thresholds of consecutive results flip health.</summary>
public sealed record HealthCheckSettings
{
    public string Path { get; init; } = "/healthz";
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Consecutive passing probes that make an unhealthy backend healthy.</summary>
    public int Healthy { get; init; } = 2;
    /// <summary>Consecutive failing probes that make a healthy backend unhealthy.</summary>
    public int Unhealthy { get; init; } = 3;
}

/// <summary>P4: per backend, shared cluster-wide. Failures are connect errors, timeouts and 5xx answers.</summary>
public sealed record BreakerSettings
{
    public bool Enabled { get; init; } = true;
    /// <summary>Consecutive failures, counted over every node's reports, that open the breaker.</summary>
    public int Failures { get; init; } = 5;
    public TimeSpan OpenFor { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Requests each node may have in flight to a half-open backend; that many successes close it.</summary>
    public int HalfOpenTrials { get; init; } = 3;
}

/// <summary>P3: consecutive failures eject a backend for base × (times ejected), capped; off unless configured.</summary>
public sealed record OutlierSettings
{
    public bool Enabled { get; init; }
    public int ConsecutiveFailures { get; init; } = 5;
    public TimeSpan BaseEjection { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxEjection { get; init; } = TimeSpan.FromSeconds(300);
    /// <summary>Never eject more than this fraction of the pool's backends.</summary>
    public double MaxEjectedPercent { get; init; } = 0.5;
}

public enum HashKeySource { ClientIp, Header, Cookie }

/// <summary><c>hash-key = client-ip | "header:NAME" | "cookie:NAME"</c>.</summary>
public sealed record HashKeySettings
{
    public HashKeySource Source { get; init; } = HashKeySource.ClientIp;
    public string? Name { get; init; }
}

public sealed record BackendSettings
{
    /// <summary>"host:port".</summary>
    public required string Address { get; init; }
    public required string Host { get; init; }
    public required int Port { get; init; }
    public int Weight { get; init; } = 1;
    /// <summary>Written <c>https://host:port</c>: the proxy speaks TLS to it (the pool's <c>tls</c> block verifies it).</summary>
    public bool Tls { get; init; }
}

public sealed record PoolTimeouts
{
    public TimeSpan Connect { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Time waiting for the backend: from the request sent to the response head, and between two reads
    /// of the response body (nginx's <c>proxy_read_timeout</c>). Time waiting for a slow client does not count.</summary>
    public TimeSpan Response { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>A write to the backend that makes no progress for this long fails the request (nginx's
    /// <c>proxy_send_timeout</c>): 504, or an abort once the response has begun.</summary>
    public TimeSpan Send { get; init; } = TimeSpan.FromSeconds(60);
}

public sealed record RetrySettings
{
    /// <summary>Extra attempts after the first (0 = no retry).</summary>
    public int Attempts { get; init; } = 2;
    /// <summary>Response statuses that make an idempotent request retry.</summary>
    public IReadOnlyList<int> Statuses { get; init; } = [];
    /// <summary>Retries allowed as a fraction of requests (0.2 = 20%).</summary>
    public double Budget { get; init; } = 0.2;
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMilliseconds(25);
    /// <summary>Also retry requests whose method is not idempotent (POST, PATCH, …) after they were sent, as
    /// nginx's <c>proxy_next_upstream non_idempotent</c>. Off: only idempotent methods and requests carrying
    /// <c>Idempotency-Key</c> are retried once written (RFC 9110 §9.2.2, RFC 9112 §9.3.1.1).</summary>
    public bool NonIdempotent { get; init; }
}

public sealed record UpstreamConnectionSettings
{
    /// <summary>Max open connections per backend from this node (0 = unlimited).</summary>
    public int MaxPerBackend { get; init; } = 1024;
    /// <summary>Idle pooled connections older than this are closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>A route: match conditions, in explicit order; the first match wins.</summary>
public sealed record RouteSettings
{
    public required string Name { get; init; }
    public RouteMatch Match { get; init; } = new();
    /// <summary>The pool every request goes to; "" when the route has a <see cref="Split"/> instead.</summary>
    public required string Pool { get; init; }
    /// <summary>R2: <c>split = [ { pool, weight } ]</c> instead of <c>pool</c>; empty = none.</summary>
    public IReadOnlyList<SplitTarget> Split { get; init; } = [];
    /// <summary>R2: <c>split-key</c>: what keeps a client on one side of the split; null = each request drawn.</summary>
    public HashKeySettings? SplitKey { get; init; }
    /// <summary>The route's <c>retries { non-idempotent }</c>; null = the pool's setting.</summary>
    public bool? RetryNonIdempotent { get; init; }
    /// <summary>The route's middleware, with what it leaves out taken from <c>proxy.defaults</c>.</summary>
    public RouteMiddleware Middleware { get; init; } = new();
}

/// <summary>One side of a route's split: a pool and its share of the requests.</summary>
public sealed record SplitTarget(string Pool, int Weight);

public sealed record RouteMatch
{
    /// <summary>Exact host or "*.example.com" wildcard; null = any.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];
    public string? Path { get; init; }
    public string? PathPrefix { get; init; }
    public string? PathRegex { get; init; }
    public IReadOnlyList<string> Methods { get; init; } = [];
    /// <summary>Header name → required value (null value = header present).</summary>
    public IReadOnlyDictionary<string, string?> Headers { get; init; } = new Dictionary<string, string?>();
    /// <summary>Query parameter name → required value (null value = parameter present).</summary>
    public IReadOnlyDictionary<string, string?> Query { get; init; } = new Dictionary<string, string?>();
}

/// <summary><c>proxy.log-format</c>.</summary>
public enum LogFormat { Text, Json }
