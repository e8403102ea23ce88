namespace Proxy.Shared.Configuration;

/// <summary>Rules for one pool: it has usable backends, sane weights, timeouts and retry settings.</summary>
internal static class PoolSettingsValidator
{
    /// <param name="path">The pool's HOCON path, e.g. <c>proxy.pools.api</c>.</param>
    public static void Validate(string name, PoolSettings pool, string path, List<ConfigProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(name))
            problems.Add(new(path, "pool name is empty"));
        if (!Enum.IsDefined(pool.Policy))
            problems.Add(new($"{path}.policy", $"unknown policy '{pool.Policy}'"));

        if (pool.Backends.Count == 0)
            problems.Add(new($"{path}.backends", "pool has no backends"));
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < pool.Backends.Count; i++)
        {
            var backend = pool.Backends[i];
            var at = $"{path}.backends[{i}]";
            if (string.IsNullOrWhiteSpace(backend.Host) || backend.Port is < 1 or > 65535)
                problems.Add(new($"{at}.address", $"expected host:port with a port from 1 to 65535, got '{backend.Address}'"));
            else if (!seen.TryAdd($"{backend.Host}:{backend.Port}", i))
                problems.Add(new($"{at}.address", $"duplicate backend '{backend.Address}' (also {path}.backends[{seen[$"{backend.Host}:{backend.Port}"]}]; use weight instead)"));
            if (backend.Weight < 1)
                problems.Add(new($"{at}.weight", $"weight must be at least 1, got {backend.Weight}"));
        }

        ValidateTransport(pool.Timeouts, pool.Retries, pool.Connections, path, problems);
        ValidateResponseLimits(pool.Limits, path, problems);

        if (pool.Health is { } health)
        {
            if (!health.Path.StartsWith('/') || health.Path.Any(c => c <= ' ' || c >= 127))
                problems.Add(new($"{path}.health.path", $"expected an origin-form path such as /healthz, got '{health.Path}'"));
            ProxySettingsValidator.AtLeast(health.Interval, TimeSpan.FromMilliseconds(100), $"{path}.health.interval", problems);
            ProxySettingsValidator.AtLeast(health.Timeout, TimeSpan.FromMilliseconds(10), $"{path}.health.timeout", problems);
            if (health.Timeout > health.Interval)
                problems.Add(new($"{path}.health.timeout", $"timeout ({health.Timeout.TotalMilliseconds:0} ms) must not exceed the interval ({health.Interval.TotalMilliseconds:0} ms)"));
            ProxySettingsValidator.AtLeast(health.Healthy, 1, $"{path}.health.healthy", problems);
            ProxySettingsValidator.AtLeast(health.Unhealthy, 1, $"{path}.health.unhealthy", problems);
        }
        ProxySettingsValidator.AtLeast(pool.Breaker.Failures, 1, $"{path}.breaker.failures", problems);
        ProxySettingsValidator.AtLeast(pool.Breaker.OpenFor, TimeSpan.FromMilliseconds(100), $"{path}.breaker.open-for", problems);
        ProxySettingsValidator.AtLeast(pool.Breaker.HalfOpenTrials, 1, $"{path}.breaker.half-open-trials", problems);
        ProxySettingsValidator.AtLeast(pool.Outlier.ConsecutiveFailures, 1, $"{path}.outlier.consecutive-failures", problems);
        ProxySettingsValidator.AtLeast(pool.Outlier.BaseEjection, TimeSpan.FromMilliseconds(100), $"{path}.outlier.base-ejection", problems);
        if (pool.Outlier.MaxEjection < pool.Outlier.BaseEjection)
            problems.Add(new($"{path}.outlier.max-ejection", "max-ejection must be at least base-ejection"));
        if (double.IsNaN(pool.Outlier.MaxEjectedPercent) || pool.Outlier.MaxEjectedPercent is < 0 or > 1)
            problems.Add(new($"{path}.outlier.max-ejected", "max-ejected must be from 0% to 100%"));

    }

    /// <summary>Timeouts, retries and connection limits: shared by pools and <c>proxy.forward</c>.</summary>
    public static void ValidateTransport(PoolTimeouts timeouts, RetrySettings retries, UpstreamConnectionSettings connections,
        string path, List<ConfigProblem> problems)
    {
        ProxySettingsValidator.NotNegative(timeouts.Connect, $"{path}.timeouts.connect", problems);
        ProxySettingsValidator.NotNegative(timeouts.Response, $"{path}.timeouts.response", problems);
        ProxySettingsValidator.AtLeast(timeouts.Send, TimeSpan.FromMilliseconds(1), $"{path}.timeouts.send", problems);

        ProxySettingsValidator.AtLeast(retries.Attempts, 0, $"{path}.retries.attempts", problems);
        for (var i = 0; i < retries.Statuses.Count; i++)
        {
            if (retries.Statuses[i] is < 100 or > 599)
                problems.Add(new($"{path}.retries.statuses[{i}]", $"status must be from 100 to 599, got {retries.Statuses[i]}"));
        }
        if (double.IsNaN(retries.Budget) || retries.Budget is < 0 or > 1)
            problems.Add(new($"{path}.retries.budget", $"budget must be from 0% to 100% (write 20% or 0.2), got {retries.Budget * 100:0.##}%"));
        ProxySettingsValidator.NotNegative(retries.BackoffBase, $"{path}.retries.backoff", problems);

        ProxySettingsValidator.AtLeast(connections.MaxPerBackend, 0, $"{path}.connections.max-per-backend", problems);
        ProxySettingsValidator.NotNegative(connections.IdleTimeout, $"{path}.connections.idle-timeout", problems);
    }

    /// <summary>The response-head limits of a pool or of <c>proxy.forward</c>.</summary>
    public static void ValidateResponseLimits(ResponseLimitSettings limits, string path, List<ConfigProblem> problems)
    {
        ProxySettingsValidator.AtLeast(limits.MaxHeadBytes, 256, $"{path}.limits.max-head-size", problems);
        ProxySettingsValidator.AtLeast(limits.MaxHeaders, 1, $"{path}.limits.max-headers", problems);
    }
}
