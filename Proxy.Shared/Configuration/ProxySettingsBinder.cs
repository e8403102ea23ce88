
namespace Proxy.Shared.Configuration;

/// <summary>Turns the <c>proxy { … }</c> HOCON object into <see cref="ProxySettings"/>. Binding only checks
/// shapes (an object where one is expected, a duration that parses, a known policy name, no unknown keys);
/// rules about values (ranges, references, duplicates) belong to <see cref="ProxySettingsValidator"/>.</summary>
/// <remarks>List elements that cannot be bound keep their slot as a placeholder, so that the validator's
/// index-based paths still point at the right element; problems under an already reported path are then
/// dropped by <see cref="ProxyConfigReader"/>.</remarks>
internal sealed partial class ProxySettingsBinder(List<ConfigProblem> problems)
{
    private static readonly (string Name, ListenerMode Mode)[] Modes =
        [("reverse", ListenerMode.Reverse), ("forward", ListenerMode.Forward)];

    private static readonly (string Name, TargetResolution Resolution)[] Resolutions =
        [("upstream", TargetResolution.Upstream), ("local", TargetResolution.Local)];

    public ProxySettings Bind(HoconObjectReader proxy)
    {
        var defaults = new ProxySettings();
        var routeDefaults = BindDefaults(proxy);
        var settings = new ProxySettings
        {
            Listeners = BindListeners(proxy),
            Admin = BindAdmin(proxy),
            Pools = BindPools(proxy),
            Routes = BindRoutes(proxy, routeDefaults),
            Defaults = routeDefaults,
            Plugins = BindPlugins(proxy),
            AccessLog = BindAccessLog(proxy),
            Metrics = BindMetrics(proxy),
            Tracing = BindTracing(proxy),
            Limits = BindLimits(proxy),
            Timeouts = BindTimeouts(proxy),
            Startup = BindStartup(proxy),
            Shutdown = BindShutdown(proxy),
            DemoBackend = proxy.String("demo-backend"),
            AddForwardedHeader = proxy.Switch("forwarded-header") ?? defaults.AddForwardedHeader,
            LogLevel = BindLogLevel(proxy) ?? defaults.LogLevel,
            LogFormat = Choice(proxy, "log-format", LogFormats) ?? defaults.LogFormat,
            DataDir = proxy.String("data-dir") ?? defaults.DataDir,
            Persistence = BindPersistence(proxy),
            Forward = BindForward(proxy),
            CacheCluster = BindCacheCluster(proxy),
            TcpRoutes = BindTcpRoutes(proxy),
            RateLimits = BindRateLimits(proxy),
            Redis = proxy.String("redis") is { Length: > 0 } redis ? redis : null,
        };
        proxy.ReportUnknownKeys();
        return settings;
    }

    private static readonly (string Name, PersistenceProvider Provider)[] Providers =
        [("sqlite", PersistenceProvider.Sqlite), ("postgresql", PersistenceProvider.PostgreSql)];

    private PersistenceSettings BindPersistence(HoconObjectReader proxy)
    {
        var defaults = new PersistenceSettings();
        var r = proxy.Object("persistence", "{ provider = sqlite, connection-string = \"Data Source=data/proxy.db\" }");
        if (r is null) return defaults;
        var settings = new PersistenceSettings
        {
            Provider = Choice(r, "provider", Providers) ?? defaults.Provider,
            ConnectionString = r.String("connection-string") is { Length: > 0 } cs ? cs : null,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private static readonly (string Name, RateLimiting.RateLimitStore Store)[] Stores =
        [("cluster", RateLimiting.RateLimitStore.Cluster), ("redis", RateLimiting.RateLimitStore.Redis)];

    private static readonly (string Name, RateLimiting.StoreFailureMode Mode)[] FailureModes =
        [("allow", RateLimiting.StoreFailureMode.Allow), ("deny", RateLimiting.StoreFailureMode.Deny)];

    private List<RateLimiting.RateLimitSettings> BindRateLimits(HoconObjectReader proxy)
    {
        var result = new List<RateLimiting.RateLimitSettings>();
        var items = proxy.List("rate-limits");
        if (items is null) return result;
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{proxy.PathOf("rate-limits")}[{i}]";
            var r = HoconObjectReader.For(items[i], path, problems, "{ name = per-ip, key = client-ip, rate = \"100/s\" }");
            if (r is null) continue;
            var rate = RateOf(r, "rate", required: true) ?? new RateLimiting.RateSpec(1, TimeSpan.FromSeconds(1));
            var limit = new RateLimiting.RateLimitSettings
            {
                Name = r.String("name") ?? "",
                Key = BindLimitKey(r),
                Rate = rate,
                Burst = r.Int("burst") ?? rate.Count,
                Store = Choice(r, "store", Stores) ?? RateLimiting.RateLimitStore.Cluster,
                Routes = r.StringOrList("routes") ?? [],
                PerRoute = r.Switch("per-route") ?? false,
                OnStoreFailure = Choice(r, "on-store-failure", FailureModes) ?? RateLimiting.StoreFailureMode.Allow,
                Quota = RateOf(r, "quota", required: false),
                ApiKeyHeader = r.String("api-key-header") ?? "X-API-Key",
            };
            result.Add(limit);
            r.ReportUnknownKeys();
        }
        return result;
    }

    private RateLimiting.RateSpec? RateOf(HoconObjectReader r, string key, bool required)
    {
        var text = r.String(key);
        if (text is null)
        {
            if (required) problems.Add(new ConfigProblem(r.PathOf(key), "missing, e.g. \"100/s\" or \"6000/min\""));
            return null;
        }
        if (RateLimiting.RateSpec.TryParse(text, out var error, out var rate)) return rate;
        problems.Add(new ConfigProblem(r.PathOf(key), error));
        return null;
    }

    /// <summary><c>key = client-ip</c>, <c>"header:NAME"</c>, <c>route</c>, <c>api-key</c>, or a list of them (combined).</summary>
    private List<RateLimiting.RateLimitKeyPart> BindLimitKey(HoconObjectReader r)
    {
        var parts = new List<RateLimiting.RateLimitKeyPart>();
        var texts = r.StringOrList("key") ?? ["client-ip"];
        foreach (var raw in texts)
        {
            var text = raw.Trim();
            if (text == "client-ip") parts.Add(new(RateLimiting.RateLimitKeyKind.ClientIp));
            else if (text == "route") parts.Add(new(RateLimiting.RateLimitKeyKind.Route));
            else if (text == "api-key") parts.Add(new(RateLimiting.RateLimitKeyKind.ApiKey));
            else if (text.StartsWith("header:", StringComparison.Ordinal) && text.Length > 7 &&
                     text[7..].All(c => c < 128 && Http.HttpSyntax.IsTokenChar((byte)c)))
                parts.Add(new(RateLimiting.RateLimitKeyKind.Header, text[7..]));
            else
                problems.Add(new ConfigProblem(r.PathOf("key"),
                    $"unknown key part '{text}' (use client-ip, header:NAME, route, api-key, or a list of them)"));
        }
        return parts.Count == 0 ? [new(RateLimiting.RateLimitKeyKind.ClientIp)] : parts;
    }

    private List<TcpRouteSettings> BindTcpRoutes(HoconObjectReader proxy)
    {
        var result = new List<TcpRouteSettings>();
        var items = proxy.List("tcp-routes");
        if (items is null) return result;
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{proxy.PathOf("tcp-routes")}[{i}]";
            var r = HoconObjectReader.For(items[i], path, problems, "{ name = pg, listen = \"0.0.0.0:5432\", pool = postgres }");
            if (r is null)
            {
                result.Add(new TcpRouteSettings { Name = "", Listen = "", Pool = "" });
                continue;
            }
            var defaults = new TcpRouteSettings { Name = "", Listen = "", Pool = "" };
            result.Add(new TcpRouteSettings
            {
                Name = r.String("name") ?? "",
                Listen = r.String("listen") ?? "",
                Pool = r.String("pool") ?? "",
                IdleTimeout = r.Duration("idle-timeout") ?? defaults.IdleTimeout,
            });
            r.ReportUnknownKeys();
        }
        return result;
    }

    private ForwardSettings BindForward(HoconObjectReader proxy)
    {
        var defaults = new ForwardSettings();
        var r = proxy.Object("forward", "{ header = X-Proxy-To, timeouts { connect = 5s, response = 60s } }");
        if (r is null) return defaults;
        var settings = new ForwardSettings
        {
            Header = r.String("header") ?? defaults.Header,
            DefaultUpstream = r.String("default-upstream") is { Length: > 0 } upstream ? upstream : null,
            Timeouts = BindPoolTimeouts(r, defaults.Timeouts),
            Retries = BindRetries(r, defaults.Retries),
            Connections = BindConnections(r, defaults.Connections),
            Limits = BindResponseLimits(r),
            MaxUpstreams = r.Int("max-upstreams") ?? defaults.MaxUpstreams,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private static readonly (string Name, LogFormat Format)[] LogFormats = [("text", LogFormat.Text), ("json", LogFormat.Json)];

    private static readonly string[] LogLevels = ["trace", "debug", "info", "warning", "error"];

    private string? BindLogLevel(HoconObjectReader proxy)
    {
        var level = proxy.String("log-level");
        if (level is null) return null;
        if (Array.IndexOf(LogLevels, level) >= 0) return level;
        problems.Add(new ConfigProblem(proxy.PathOf("log-level"),
            $"unknown log level '{level}' (expected one of: {string.Join(", ", LogLevels)})"));
        return null;
    }

    private List<ListenerSettings> BindListeners(HoconObjectReader proxy)
    {
        var result = new List<ListenerSettings>();
        var items = proxy.List("listeners");
        if (items is null) return result;
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{proxy.PathOf("listeners")}[{i}]";
            var r = HoconObjectReader.For(items[i], path, problems, "{ name = public, address = \"0.0.0.0:8080\" }");
            if (r is null)
            {
                result.Add(new ListenerSettings { Name = "", Address = "" });
                continue;
            }
            var defaults = new ListenerSettings { Name = "", Address = "" };
            result.Add(new ListenerSettings
            {
                Name = r.String("name") ?? "",
                Address = r.String("address") ?? "",
                Mode = Choice(r, "mode", Modes) ?? defaults.Mode,
                MaxConnections = r.Int("max-connections") ?? defaults.MaxConnections,
                Guard = new ForwardGuardSettings
                {
                    AllowTargets = r.StringOrList("allow-targets") ?? [],
                    DenyTargets = r.StringOrList("deny-targets") ?? [],
                    AllowUpstreams = r.StringOrList("allow-upstreams") ?? [],
                    DenyUpstreams = r.StringOrList("deny-upstreams") ?? [],
                    ResolveTargets = Choice(r, "resolve-targets", Resolutions) ?? TargetResolution.Upstream,
                },
                Tls = BindTls(r),
            });
            r.ReportUnknownKeys();
        }
        return result;
    }

    private AdminSettings BindAdmin(HoconObjectReader proxy)
    {
        var defaults = new AdminSettings();
        var r = proxy.Object("admin", "{ address = \"127.0.0.1:9110\", token = \"…\" }");
        if (r is null) return defaults;
        var settings = new AdminSettings
        {
            Address = r.String("address") ?? defaults.Address,
            Token = r.String("token") is { Length: > 0 } token ? token : null,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private AccessLogSettings BindAccessLog(HoconObjectReader proxy)
    {
        var defaults = new AccessLogSettings();
        var r = proxy.Object("access-log", "{ enabled = on, target = stdout }");
        if (r is null) return defaults;
        var settings = new AccessLogSettings
        {
            Enabled = r.Switch("enabled") ?? defaults.Enabled,
            Target = r.String("target") ?? defaults.Target,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private MetricsSettings BindMetrics(HoconObjectReader proxy)
    {
        var defaults = new MetricsSettings();
        var r = proxy.Object("metrics", "{ enabled = on }");
        if (r is null) return defaults;
        var settings = new MetricsSettings { Enabled = r.Switch("enabled") ?? defaults.Enabled };
        r.ReportUnknownKeys();
        return settings;
    }

    private TracingSettings BindTracing(HoconObjectReader proxy)
    {
        var defaults = new TracingSettings();
        var r = proxy.Object("tracing", "{ sample-ratio = 0.01, otlp-endpoint = \"http://collector:4318\" }");
        if (r is null) return defaults;
        var settings = new TracingSettings
        {
            Enabled = r.Switch("enabled") ?? defaults.Enabled,
            SampleRatio = r.Fraction("sample-ratio") ?? defaults.SampleRatio,
            OtlpEndpoint = r.String("otlp-endpoint") is { Length: > 0 } endpoint ? endpoint : null,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private LimitsSettings BindLimits(HoconObjectReader proxy)
    {
        var defaults = new LimitsSettings();
        var r = proxy.Object("limits", "{ max-head-size = 64k, max-headers = 100 }");
        if (r is null) return defaults;
        var settings = new LimitsSettings
        {
            MaxHeadBytes = r.IntByteSize("max-head-size") ?? defaults.MaxHeadBytes,
            MaxHeaders = r.Int("max-headers") ?? defaults.MaxHeaders,
            MaxUriBytes = r.IntByteSize("max-uri-size") ?? defaults.MaxUriBytes,
            MaxBodyBytes = r.ByteSize("max-body-size") ?? defaults.MaxBodyBytes,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private ShutdownSettings BindShutdown(HoconObjectReader proxy)
    {
        if (proxy.Raw("shutdown-deadline") is not null)
            problems.Add(new ConfigProblem(proxy.PathOf("shutdown-deadline"), "renamed: write shutdown { timeout = 15s } (and drain-delay)"));
        var defaults = new ShutdownSettings();
        var r = proxy.Object("shutdown", "{ drain-delay = 5s, timeout = 15s }");
        if (r is null) return defaults;
        var settings = new ShutdownSettings
        {
            DrainDelay = r.Duration("drain-delay") ?? defaults.DrainDelay,
            Timeout = r.Duration("timeout") ?? defaults.Timeout,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private StartupSettings BindStartup(HoconObjectReader proxy)
    {
        var defaults = new StartupSettings();
        var r = proxy.Object("startup", "{ state-timeout = 10s }");
        if (r is null) return defaults;
        var settings = new StartupSettings { StateTimeout = r.Duration("state-timeout") ?? defaults.StateTimeout };
        r.ReportUnknownKeys();
        return settings;
    }

    private TimeoutSettings BindTimeouts(HoconObjectReader proxy)
    {
        var defaults = new TimeoutSettings();
        var r = proxy.Object("timeouts", "{ request-head = 10s, idle = 75s, client-send = 60s }");
        if (r is null) return defaults;
        var settings = new TimeoutSettings
        {
            RequestHead = r.Duration("request-head") ?? defaults.RequestHead,
            Idle = r.Duration("idle") ?? defaults.Idle,
            ClientSend = r.Duration("client-send") ?? defaults.ClientSend,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private T? Choice<T>(HoconObjectReader r, string key, (string Name, T Value)[] choices) where T : struct
    {
        if (r.String(key) is not { } text) return null;
        foreach (var (name, value) in choices)
        {
            if (string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase)) return value;
        }
        problems.Add(new ConfigProblem(r.PathOf(key),
            $"unknown {key} '{text}' (valid: {string.Join(", ", choices.Select(c => c.Name))})"));
        return null;
    }
}
