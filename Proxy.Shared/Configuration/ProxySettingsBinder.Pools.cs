namespace Proxy.Shared.Configuration;

// The pools section (and the per-pool blocks proxy.forward reuses: timeouts, retries, connections, limits).
internal sealed partial class ProxySettingsBinder
{
    private Dictionary<string, PoolSettings> BindPools(HoconObjectReader proxy)
    {
        var result = new Dictionary<string, PoolSettings>(StringComparer.Ordinal);
        var pools = proxy.Object("pools", "{ api { backends = [\"127.0.0.1:9001\"] } }");
        if (pools is null) return result;
        foreach (var name in pools.Keys.ToList())
        {
            var value = pools.Raw(name);
            if (value is null) continue;
            var r = HoconObjectReader.For(value, pools.PathOf(name), problems, "{ backends = [\"127.0.0.1:9001\"] }");
            result[name] = r is null ? new PoolSettings { Name = name } : BindPool(name, r);
        }
        pools.ReportUnknownKeys();
        return result;
    }

    private PoolSettings BindPool(string name, HoconObjectReader r)
    {
        var defaults = new PoolSettings { Name = name };
        var pool = new PoolSettings
        {
            Name = name,
            Policy = Choice(r, "policy", LoadBalancingPolicyNames.All) ?? defaults.Policy,
            Backends = BindBackends(r),
            Timeouts = BindPoolTimeouts(r, defaults.Timeouts),
            Retries = BindRetries(r, defaults.Retries),
            Connections = BindConnections(r, defaults.Connections),
            Health = BindHealth(r),
            Breaker = BindBreaker(r, defaults.Breaker),
            Outlier = BindOutlier(r, defaults.Outlier),
            HashKey = BindHashKey(r) ?? defaults.HashKey,
            Tls = BindUpstreamTls(r),
            Limits = BindResponseLimits(r),
        };
        r.ReportUnknownKeys();
        if (pool.Policy != LoadBalancingPolicyKind.ConsistentHash && r.Raw("hash-key") is not null)
            problems.Add(new ConfigProblem(r.PathOf("hash-key"),
                $"hash-key is used only by policy = consistent-hash (this pool's policy is {LoadBalancingPolicyNames.Of(pool.Policy)})"));
        return pool;
    }

    private UpstreamTlsSettings BindUpstreamTls(HoconObjectReader pool)
    {
        var defaults = new UpstreamTlsSettings();
        var r = pool.Object("tls", "{ verify = on, ca-file = \"ca.pem\", server-name = \"backend.internal\" }");
        if (r is null) return defaults;
        var settings = new UpstreamTlsSettings
        {
            Verify = r.Switch("verify") ?? defaults.Verify,
            CaFile = r.String("ca-file") is { Length: > 0 } ca ? ca : null,
            ServerName = r.String("server-name") is { Length: > 0 } name ? name : null,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private HealthCheckSettings? BindHealth(HoconObjectReader pool)
    {
        var r = pool.Object("health", "{ path = \"/healthz\", interval = 2s, timeout = 1s, healthy = 2, unhealthy = 3 }");
        if (r is null) return null;
        var defaults = new HealthCheckSettings();
        var enabled = r.Switch("enabled") ?? true;
        var settings = new HealthCheckSettings
        {
            Path = r.String("path") ?? defaults.Path,
            Interval = r.Duration("interval") ?? defaults.Interval,
            Timeout = r.Duration("timeout") ?? defaults.Timeout,
            Healthy = r.Int("healthy") ?? defaults.Healthy,
            Unhealthy = r.Int("unhealthy") ?? defaults.Unhealthy,
        };
        r.ReportUnknownKeys();
        return enabled ? settings : null;
    }

    private BreakerSettings BindBreaker(HoconObjectReader pool, BreakerSettings defaults)
    {
        var r = pool.Object("breaker", "{ failures = 5, open-for = 10s, half-open-trials = 3 }");
        if (r is null) return defaults;
        var settings = new BreakerSettings
        {
            Enabled = r.Switch("enabled") ?? defaults.Enabled,
            Failures = r.Int("failures") ?? defaults.Failures,
            OpenFor = r.Duration("open-for") ?? defaults.OpenFor,
            HalfOpenTrials = r.Int("half-open-trials") ?? defaults.HalfOpenTrials,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private OutlierSettings BindOutlier(HoconObjectReader pool, OutlierSettings defaults)
    {
        var r = pool.Object("outlier", "{ consecutive-failures = 5, base-ejection = 30s, max-ejection = 300s, max-ejected = 50% }");
        if (r is null) return defaults;
        var settings = new OutlierSettings
        {
            // Configuring the block turns it on unless it says enabled = off.
            Enabled = r.Switch("enabled") ?? true,
            ConsecutiveFailures = r.Int("consecutive-failures") ?? defaults.ConsecutiveFailures,
            BaseEjection = r.Duration("base-ejection") ?? defaults.BaseEjection,
            MaxEjection = r.Duration("max-ejection") ?? defaults.MaxEjection,
            MaxEjectedPercent = r.Fraction("max-ejected") ?? defaults.MaxEjectedPercent,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    /// <summary><c>hash-key</c> (or a route's <c>split-key</c>) <c>= client-ip</c>, <c>"header:NAME"</c>, <c>"cookie:NAME"</c>, or <c>{ header = NAME }</c> /
    /// <c>{ cookie = NAME }</c>.</summary>
    private HashKeySettings? BindHashKey(HoconObjectReader pool, string key = "hash-key")
    {
        var raw = pool.Raw(key);
        if (raw is null) return null;
        var path = pool.PathOf(key);
        string? kind = null, name = null;
        if (raw.IsObject() && !HoconValues.IsList(raw))
        {
            var r = HoconObjectReader.For(raw, path, problems, "{ header = X-User }")!;
            var header = r.String("header");
            var cookie = r.String("cookie");
            r.ReportUnknownKeys();
            if (header is not null && cookie is not null)
            {
                problems.Add(new ConfigProblem(path, "give either header or cookie, not both"));
                return null;
            }
            (kind, name) = header is not null ? ("header", header) : cookie is not null ? ("cookie", cookie) : (null, null);
        }
        else if (HoconValues.ScalarText(raw, path, problems, "client-ip, \"header:NAME\" or \"cookie:NAME\"") is { } text)
        {
            if (text == "client-ip") return new HashKeySettings();
            var colon = text.IndexOf(':');
            if (colon > 0) (kind, name) = (text[..colon], text[(colon + 1)..].Trim());
            else (kind, name) = ("?", text);
        }
        else return null;

        if (name is { Length: > 0 } && name.All(c => c < 128 && Http.HttpSyntax.IsTokenChar((byte)c)))
        {
            if (kind == "header") return new HashKeySettings { Source = HashKeySource.Header, Name = name };
            if (kind == "cookie") return new HashKeySettings { Source = HashKeySource.Cookie, Name = name };
        }
        problems.Add(new ConfigProblem(path,
            $"expected client-ip, \"header:NAME\", \"cookie:NAME\" or {{ header = NAME }} with a token NAME, got '{(kind is null or "?" ? "" : kind + ":")}{name}'"));
        return null;
    }

    private List<BackendSettings> BindBackends(HoconObjectReader pool)
    {
        var result = new List<BackendSettings>();
        var items = pool.List("backends");
        if (items is null) return result;
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{pool.PathOf("backends")}[{i}]";
            var item = items[i];
            if (item.IsObject() && !HoconValues.IsList(item))
            {
                var r = HoconObjectReader.For(item, path, problems, "")!;
                var address = r.String("address");
                var weight = r.Int("weight") ?? 1;
                if (address is null)
                    problems.Add(new ConfigProblem(r.PathOf("address"), "missing address"));
                result.Add(Backend(address ?? "", weight, r.PathOf("address")));
                r.ReportUnknownKeys();
            }
            else
            {
                var address = HoconValues.ScalarText(item, path, problems,
                    "\"host:port\" or { address = \"host:port\", weight = 2 }");
                result.Add(Backend(address ?? "", 1, address is null ? null : path));
            }
        }
        return result;
    }

    /// <summary>Splits a backend address, accepting an <c>http://</c> prefix. A placeholder (port 0) keeps the
    /// slot when the address is unusable; <paramref name="path"/> is null when the problem is already reported.</summary>
    private BackendSettings Backend(string address, int weight, string? path)
    {
        var text = address.Trim();
        const string Http = "http://", Https = "https://";
        var tls = false;
        if (text.StartsWith(Http, StringComparison.OrdinalIgnoreCase))
            text = text[Http.Length..].TrimEnd('/');
        else if (text.StartsWith(Https, StringComparison.OrdinalIgnoreCase))
        {
            text = text[Https.Length..].TrimEnd('/');
            tls = true;
        }

        if (HostPort.TryParse(text, 1, out var hostPort, out var error))
            return new BackendSettings { Address = hostPort.ToString(), Host = hostPort.Host, Port = hostPort.Port, Weight = weight, Tls = tls };
        if (path is not null && address.Length > 0)
            problems.Add(new ConfigProblem(path, error));
        return new BackendSettings { Address = address, Host = "", Port = 0, Weight = weight };
    }

    private PoolTimeouts BindPoolTimeouts(HoconObjectReader pool, PoolTimeouts defaults)
    {
        var r = pool.Object("timeouts", "{ connect = 2s, response = 30s, send = 60s }");
        if (r is null) return defaults;
        var settings = new PoolTimeouts
        {
            Connect = r.Duration("connect") ?? defaults.Connect,
            Response = r.Duration("response") ?? defaults.Response,
            Send = r.Duration("send") ?? defaults.Send,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private RetrySettings BindRetries(HoconObjectReader pool, RetrySettings defaults)
    {
        var r = pool.Object("retries", "{ attempts = 2, statuses = [502, 503], budget = 20% }");
        if (r is null) return defaults;
        var settings = new RetrySettings
        {
            Attempts = r.Int("attempts") ?? defaults.Attempts,
            Statuses = BindStatuses(r) ?? defaults.Statuses,
            Budget = r.Fraction("budget") ?? defaults.Budget,
            BackoffBase = r.Duration("backoff") ?? defaults.BackoffBase,
            NonIdempotent = r.Switch("non-idempotent") ?? defaults.NonIdempotent,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private List<int>? BindStatuses(HoconObjectReader retries)
    {
        var items = retries.List("statuses");
        if (items is null) return null;
        var result = new List<int>();
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{retries.PathOf("statuses")}[{i}]";
            if (HoconValues.ScalarText(items[i], path, problems, "a status code") is not { } text) continue;
            if (ConfigUnits.TryParseInt(text, out var status, out var error)) result.Add(status);
            else problems.Add(new ConfigProblem(path, error));
        }
        return result;
    }

    private UpstreamConnectionSettings BindConnections(HoconObjectReader pool, UpstreamConnectionSettings defaults)
    {
        var r = pool.Object("connections", "{ max-per-backend = 1024, idle-timeout = 60s }");
        if (r is null) return defaults;
        var settings = new UpstreamConnectionSettings
        {
            MaxPerBackend = r.Int("max-per-backend") ?? defaults.MaxPerBackend,
            IdleTimeout = r.Duration("idle-timeout") ?? defaults.IdleTimeout,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private ResponseLimitSettings BindResponseLimits(HoconObjectReader pool)
    {
        var defaults = new ResponseLimitSettings();
        var r = pool.Object("limits", "{ max-head-size = 64k, max-headers = 100 }");
        if (r is null) return defaults;
        var settings = new ResponseLimitSettings
        {
            MaxHeadBytes = r.IntByteSize("max-head-size") ?? defaults.MaxHeadBytes,
            MaxHeaders = r.Int("max-headers") ?? defaults.MaxHeaders,
        };
        r.ReportUnknownKeys();
        return settings;
    }
}
