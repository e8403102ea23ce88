using Proxy.Shared.Caching;

namespace Proxy.Shared.Configuration;

// Binding of E5's cache block: proxy.defaults.cache and a route's cache { … }, which replaces the defaults' whole
// (enabled = off turns an inherited cache off for a route).
internal sealed partial class ProxySettingsBinder
{
    private const string CacheExample = "{ max-memory = 256m, max-object = 8m, default-ttl = 0s, key = [ host, path, query ] }";

    private CacheSettings? BindCache(HoconObjectReader owner)
    {
        var r = owner.Object("cache", CacheExample);
        if (r is null) return null;
        var defaults = CacheSettings.Default;
        var settings = defaults with
        {
            Enabled = r.Switch("enabled") ?? defaults.Enabled,
            MaxMemoryBytes = r.ByteSize("max-memory") ?? defaults.MaxMemoryBytes,
            MaxObjectBytes = r.ByteSize("max-object") ?? defaults.MaxObjectBytes,
            DefaultTtl = r.Duration("default-ttl") ?? defaults.DefaultTtl,
            Key = BindCacheKey(r) ?? defaults.Key,
            StaleIfError = r.Duration("stale-if-error") ?? defaults.StaleIfError,
            StaleWhileRevalidate = r.Switch("stale-while-revalidate") ?? defaults.StaleWhileRevalidate,
            StoreSetCookie = r.Switch("store-set-cookie") ?? defaults.StoreSetCookie,
            LocalCopies = r.Switch("local-copies") ?? defaults.LocalCopies,
            Warm = r.StringOrList("warm") ?? defaults.Warm,
            PurgeToken = r.String("purge-token") ?? defaults.PurgeToken,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    private CacheClusterSettings BindCacheCluster(HoconObjectReader proxy)
    {
        var defaults = new CacheClusterSettings();
        var r = proxy.Object("cache-cluster", "{ enabled = on, owner-timeout = 5s }");
        if (r is null) return defaults;
        var address = r.String("address");
        if (address is not null && !HostPort.TryParse(address, 0, out _, out var error))
            problems.Add(new ConfigProblem(r.PathOf("address"), $"'{address}' is not host:port ({error})"));
        var settings = new CacheClusterSettings
        {
            Enabled = r.Switch("enabled") ?? defaults.Enabled,
            Address = address,
            OwnerTimeout = r.Duration("owner-timeout") ?? defaults.OwnerTimeout,
        };
        if (settings.OwnerTimeout <= TimeSpan.Zero)
            problems.Add(new ConfigProblem(r.PathOf("owner-timeout"), "must be above 0 (the wait for the owner's response head)"));
        r.ReportUnknownKeys();
        return settings;
    }

    private IReadOnlyList<CacheKeyPart>? BindCacheKey(HoconObjectReader cache)
    {
        if (cache.StringOrList("key") is not { } names) return null;
        var parts = new List<CacheKeyPart>(names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            if (Enum.TryParse<CacheKeyPart>(names[i], ignoreCase: true, out var part) && !int.TryParse(names[i], out _))
            {
                if (!parts.Contains(part)) parts.Add(part);
                continue;
            }
            problems.Add(new ConfigProblem($"{cache.PathOf("key")}[{i}]",
                $"unknown key part '{names[i]}' (valid: scheme, host, path, query, method)"));
        }
        return parts;
    }
}
