namespace Proxy.Shared.Configuration;

/// <summary>Checks bound <see cref="ProxySettings"/> against the rules that span values: ranges, duplicates,
/// references between routes and pools. Reports every problem, each with the HOCON path it comes from
/// (list elements by index, pools by name), in the spirit of YARP's config validators.</summary>
/// <remarks>Works on settings alone (not on HOCON), so settings built in code or changed at run time can be
/// checked the same way.</remarks>
public static class ProxySettingsValidator
{
    public static IReadOnlyList<ConfigProblem> Validate(ProxySettings settings)
    {
        var problems = new List<ConfigProblem>();
        ValidateListeners(settings, problems);
        ValidateAdmin(settings, problems);
        ValidateForward(settings.Forward, problems);
        ValidateTcpRoutes(settings, problems);
        ValidateRateLimits(settings, problems);
        foreach (var (name, pool) in settings.Pools)
            PoolSettingsValidator.Validate(name, pool, $"proxy.pools.{name}", problems);
        RouteSettingsValidator.Validate(settings.Routes, settings.Pools, problems);
        MiddlewareSettingsValidator.Validate(settings, problems);
        ValidateLimits(settings.Limits, problems);
        NotNegative(settings.Timeouts.RequestHead, "proxy.timeouts.request-head", problems);
        NotNegative(settings.Timeouts.Idle, "proxy.timeouts.idle", problems);
        AtLeast(settings.Timeouts.ClientSend, TimeSpan.FromMilliseconds(1), "proxy.timeouts.client-send", problems);
        NotNegative(settings.Startup.StateTimeout, "proxy.startup.state-timeout", problems);
        NotNegative(settings.Shutdown.DrainDelay, "proxy.shutdown.drain-delay", problems);
        NotNegative(settings.Shutdown.Timeout, "proxy.shutdown.timeout", problems);
        if (string.IsNullOrWhiteSpace(settings.AccessLog.Target))
            problems.Add(new("proxy.access-log.target", "target is empty (use stdout or a file path)"));
        if (string.IsNullOrWhiteSpace(settings.DataDir))
            problems.Add(new("proxy.data-dir", "data directory is empty"));
        if (settings.Persistence.Provider == PersistenceProvider.PostgreSql && settings.Persistence.ConnectionString is null)
            problems.Add(new("proxy.persistence.connection-string", "provider postgresql needs a connection string (set PROXY_DB)"));
        if (settings.Tracing.SampleRatio is < 0 or > 1)
            problems.Add(new("proxy.tracing.sample-ratio", $"expected a ratio from 0 to 1 (or 0% to 100%), got {settings.Tracing.SampleRatio.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
        if (settings.Tracing.OtlpEndpoint is { } otlp &&
            !(Uri.TryCreate(otlp, UriKind.Absolute, out var otlpUri) && otlpUri.Scheme is "http" or "https"))
            problems.Add(new("proxy.tracing.otlp-endpoint", $"expected an http:// or https:// address like http://collector:4318, got '{otlp}'"));
        if (settings.DemoBackend is not null && !HostPort.TryParse(settings.DemoBackend, 0, out _, out var demoError))
            problems.Add(new("proxy.demo-backend", demoError));
        return problems;
    }

    private static void ValidateListeners(ProxySettings settings, List<ConfigProblem> problems)
    {
        if (settings.Listeners.Count == 0)
        {
            problems.Add(new("proxy.listeners", "no listeners: add at least one, e.g. [ { name = public, address = \"0.0.0.0:8080\" } ]"));
            return;
        }
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var addresses = new Dictionary<HostPort, int>();
        for (var i = 0; i < settings.Listeners.Count; i++)
        {
            var listener = settings.Listeners[i];
            var path = $"proxy.listeners[{i}]";
            if (string.IsNullOrWhiteSpace(listener.Name))
                problems.Add(new($"{path}.name", "missing name"));
            else if (!names.TryAdd(listener.Name, i))
                problems.Add(new($"{path}.name", $"duplicate listener name '{listener.Name}' (also proxy.listeners[{names[listener.Name]}])"));

            if (string.IsNullOrWhiteSpace(listener.Address))
                problems.Add(new($"{path}.address", "missing address"));
            else if (!HostPort.TryParse(listener.Address, 0, out var address, out var error))
                problems.Add(new($"{path}.address", error));
            // Port 0 asks the OS for a free port, so two of them never collide.
            else if (address.Port != 0 && !addresses.TryAdd(Normalize(address), i))
                problems.Add(new($"{path}.address", $"duplicate listener address '{listener.Address}' (also proxy.listeners[{addresses[Normalize(address)]}])"));

            if (!Enum.IsDefined(listener.Mode))
                problems.Add(new($"{path}.mode", $"unknown mode '{listener.Mode}'"));
            if (listener.MaxConnections < 1)
                problems.Add(new($"{path}.max-connections", $"must be at least 1, got {listener.MaxConnections}"));
            ValidateGuard(listener, path, problems);
            if (listener.Tls is { } tls) ValidateTls(tls, $"{path}.tls", problems);
        }
    }

    private static void ValidateGuard(ListenerSettings listener, string path, List<ConfigProblem> problems)
    {
        if (listener.Guard.ResolveTargets != TargetResolution.Upstream && listener.Mode != ListenerMode.Forward)
            problems.Add(new($"{path}.resolve-targets", "only forward listeners (mode = forward) have a target guard"));
        (string Key, IReadOnlyList<string> Entries)[] lists =
        [
            ("allow-targets", listener.Guard.AllowTargets), ("deny-targets", listener.Guard.DenyTargets),
            ("allow-upstreams", listener.Guard.AllowUpstreams), ("deny-upstreams", listener.Guard.DenyUpstreams),
        ];
        foreach (var (key, entries) in lists)
        {
            if (entries.Count > 0 && listener.Mode != ListenerMode.Forward)
            {
                problems.Add(new($"{path}.{key}", "only forward listeners (mode = forward) have a target guard"));
                continue;
            }
            for (var j = 0; j < entries.Count; j++)
                if (!Forwarding.AddressGuard.IsValidEntry(entries[j], out var error))
                    problems.Add(new($"{path}.{key}[{j}]", error));
        }
    }

    private static void ValidateTls(TlsSettings tls, string path, List<ConfigProblem> problems)
    {
        if (tls.Certificates.Count == 0)
            problems.Add(new($"{path}.certificates", "no certificates: add at least one { cert = \"…pem\", key = \"…pem\" }"));
        for (var i = 0; i < tls.Certificates.Count; i++)
        {
            var c = tls.Certificates[i];
            var at = $"{path}.certificates[{i}]";
            foreach (var (key, file) in new[] { ("cert", c.Cert), ("key", c.Key) })
            {
                // Whether the files exist and parse is checked when the node loads them (it fails the start, naming them).
                if (string.IsNullOrWhiteSpace(file)) problems.Add(new($"{at}.{key}", "missing PEM file path"));
            }
        }
        if (tls.ReloadInterval < TimeSpan.FromMilliseconds(100))
            problems.Add(new($"{path}.reload-interval", "must be at least 100ms"));
        if (tls.HandshakeTimeout < TimeSpan.FromMilliseconds(100) || tls.HandshakeTimeout > TimeSpan.FromMinutes(5))
            problems.Add(new($"{path}.handshake-timeout", "must be between 100ms and 5m"));
        ValidateCipherSuites(tls, $"{path}.cipher-suites", problems);
    }

    private static void ValidateCipherSuites(TlsSettings tls, string path, List<ConfigProblem> problems)
    {
        if (tls.CipherSuites.Count == 0 && tls.MinVersion == TlsVersion.Tls12)
            problems.Add(new(path, "no TLS 1.2 cipher suites: list at least one, or set min-version = \"1.3\""));
        var seen = new HashSet<System.Net.Security.TlsCipherSuite>();
        for (var i = 0; i < tls.CipherSuites.Count; i++)
        {
            var suite = tls.CipherSuites[i];
            var name = suite.ToString();
            if (TlsSettings.Tls13Suites.Contains(suite) || !name.Contains("_WITH_", StringComparison.Ordinal))
                problems.Add(new($"{path}[{i}]", $"{name} is not a TLS 1.2 suite; TLS 1.3's suites are always enabled, list TLS 1.2 suites only"));
            else if (IsInsecure(name))
                problems.Add(new($"{path}[{i}]", $"{name} is insecure (no encryption, no authentication, export-grade, RC4 or DES); use AEAD suites such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
            else if (!seen.Add(suite))
                problems.Add(new($"{path}[{i}]", $"{name} is listed twice"));
        }
    }

    private static bool IsInsecure(string name) =>
        name.Contains("_NULL_", StringComparison.Ordinal) || name.EndsWith("_NULL", StringComparison.Ordinal)
        || name.Contains("_anon_", StringComparison.Ordinal) || name.Contains("EXPORT", StringComparison.Ordinal)
        || name.Contains("_RC4_", StringComparison.Ordinal) || name.Contains("DES_", StringComparison.Ordinal)
        || name.Contains("_MD5", StringComparison.Ordinal);

    private static void ValidateRateLimits(ProxySettings settings, List<ConfigProblem> problems)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var routes = settings.Routes.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < settings.RateLimits.Count; i++)
        {
            var limit = settings.RateLimits[i];
            var path = $"proxy.rate-limits[{i}]";
            if (string.IsNullOrWhiteSpace(limit.Name)) problems.Add(new($"{path}.name", "missing name"));
            else if (!names.TryAdd(limit.Name, i))
                problems.Add(new($"{path}.name", $"duplicate rate limit name '{limit.Name}' (also proxy.rate-limits[{names[limit.Name]}])"));
            if (limit.Burst < 1) problems.Add(new($"{path}.burst", $"must be at least 1, got {limit.Burst}"));
            for (var j = 0; j < limit.Routes.Count; j++)
                if (!routes.Contains(limit.Routes[j]))
                    problems.Add(new($"{path}.routes[{j}]", $"no route named '{limit.Routes[j]}'"));
            if (limit.Store == RateLimiting.RateLimitStore.Redis && settings.Redis is null)
                problems.Add(new($"{path}.store", "store = redis needs proxy.redis (or PROXY_REDIS), e.g. \"127.0.0.1:6379\""));
            if (limit.Quota is { } quota && quota.Per < TimeSpan.FromDays(1))
                problems.Add(new($"{path}.quota", $"a quota is per day or per month (got {quota}); use rate for shorter windows"));
        }
    }

    private static void ValidateTcpRoutes(ProxySettings settings, List<ConfigProblem> problems)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var taken = new HashSet<HostPort>();
        foreach (var listener in settings.Listeners)
            if (HostPort.TryParse(listener.Address, 0, out var a, out _) && a.Port != 0) taken.Add(Normalize(a));
        if (HostPort.TryParse(settings.Admin.Address, 0, out var admin, out _) && admin.Port != 0) taken.Add(Normalize(admin));
        for (var i = 0; i < settings.TcpRoutes.Count; i++)
        {
            var route = settings.TcpRoutes[i];
            var path = $"proxy.tcp-routes[{i}]";
            if (string.IsNullOrWhiteSpace(route.Name)) problems.Add(new($"{path}.name", "missing name"));
            else if (!names.TryAdd(route.Name, i))
                problems.Add(new($"{path}.name", $"duplicate tcp route name '{route.Name}' (also proxy.tcp-routes[{names[route.Name]}])"));
            if (string.IsNullOrWhiteSpace(route.Listen)) problems.Add(new($"{path}.listen", "missing listen address"));
            else if (!HostPort.TryParse(route.Listen, 0, out var listen, out var error)) problems.Add(new($"{path}.listen", error));
            else if (listen.Port != 0 && !taken.Add(Normalize(listen)))
                problems.Add(new($"{path}.listen", $"address '{route.Listen}' is already used by a listener, the admin listener or another tcp route"));
            if (string.IsNullOrWhiteSpace(route.Pool)) problems.Add(new($"{path}.pool", "missing pool"));
            else if (!settings.Pools.TryGetValue(route.Pool, out var pool)) problems.Add(new($"{path}.pool", $"no pool named '{route.Pool}'"));
            else if (pool.Backends.Any(b => b.Tls))
                problems.Add(new($"{path}.pool", $"pool '{route.Pool}' has https:// backends; a TCP route splices bytes and cannot speak TLS to them"));
            if (route.IdleTimeout <= TimeSpan.Zero)
                problems.Add(new($"{path}.idle-timeout", "must be greater than 0"));
        }
    }

    private static void ValidateForward(ForwardSettings forward, List<ConfigProblem> problems)
    {
        if (forward.Header.Length == 0 || forward.Header.Any(c => c >= 128) ||
            !Http.HttpSyntax.IsToken(System.Text.Encoding.ASCII.GetBytes(forward.Header)))
            problems.Add(new("proxy.forward.header", $"'{forward.Header}' is not a valid header name"));
        // The message of a bad default upstream never repeats the value: it may hold a password.
        if (forward.DefaultUpstream is not null && !Forwarding.UpstreamProxy.TryParse(forward.DefaultUpstream, out _, out var upstreamError))
            problems.Add(new("proxy.forward.default-upstream", "the value " + upstreamError));
        PoolSettingsValidator.ValidateTransport(forward.Timeouts, forward.Retries, forward.Connections, "proxy.forward", problems);
        PoolSettingsValidator.ValidateResponseLimits(forward.Limits, "proxy.forward", problems);
        if (forward.MaxUpstreams < 1)
            problems.Add(new("proxy.forward.max-upstreams", $"must be at least 1, got {forward.MaxUpstreams}"));
    }

    private static void ValidateAdmin(ProxySettings settings, List<ConfigProblem> problems)
    {
        if (!HostPort.TryParse(settings.Admin.Address, 0, out var admin, out var error))
        {
            problems.Add(new("proxy.admin.address", error));
            return;
        }
        for (var i = 0; i < settings.Listeners.Count; i++)
        {
            if (admin.Port != 0
                && HostPort.TryParse(settings.Listeners[i].Address, 0, out var listener, out _)
                && Normalize(listener) == Normalize(admin))
            {
                problems.Add(new("proxy.admin.address", $"address '{settings.Admin.Address}' is also used by proxy.listeners[{i}]"));
            }
        }
    }

    private static void ValidateLimits(LimitsSettings limits, List<ConfigProblem> problems)
    {
        AtLeast(limits.MaxHeadBytes, 1, "proxy.limits.max-head-size", problems);
        AtLeast(limits.MaxHeaders, 1, "proxy.limits.max-headers", problems);
        AtLeast(limits.MaxUriBytes, 1, "proxy.limits.max-uri-size", problems);
        if (limits.MaxBodyBytes < 0)
            problems.Add(new("proxy.limits.max-body-size", $"must not be negative (0 = unlimited), got {limits.MaxBodyBytes}"));
    }

    internal static void AtLeast(long value, long min, string path, List<ConfigProblem> problems)
    {
        if (value < min) problems.Add(new(path, $"must be at least {min}, got {value}"));
    }

    internal static void AtLeast(TimeSpan value, TimeSpan min, string path, List<ConfigProblem> problems)
    {
        if (value < min) problems.Add(new(path, $"must be at least {Format(min)}, got {Format(value)}"));
    }

    internal static void NotNegative(TimeSpan value, string path, List<ConfigProblem> problems)
    {
        if (value < TimeSpan.Zero) problems.Add(new(path, $"must not be negative, got {Format(value)}"));
    }

    /// <summary>A duration the way it is written in HOCON (<c>-5s</c>, <c>250ms</c>).</summary>
    private static string Format(TimeSpan value) =>
        value.Ticks % TimeSpan.TicksPerSecond == 0
            ? $"{value.Ticks / TimeSpan.TicksPerSecond}s"
            : $"{value.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}ms";

    private static HostPort Normalize(HostPort a) => a with { Host = a.Host.ToLowerInvariant() };
}
