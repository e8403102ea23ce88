using Proxy.Shared.Configuration;

namespace Proxy.Shared.Caching;

/// <summary>One request <c>cache.warm</c> makes for a route: scheme, authority and target (path and query).</summary>
public sealed record CacheWarmTarget(bool Secure, string Authority, string Target)
{
    /// <summary>A warm entry is a path (<c>/index.html</c>) or an absolute http(s) URL with a host.</summary>
    public static bool IsValid(string entry) =>
        entry.StartsWith('/') && !entry.StartsWith("//", StringComparison.Ordinal) ||
        Uri.TryCreate(entry, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Host.Length > 0;

    /// <summary>The requests <paramref name="route"/>'s warm list makes: a path once for each exact host the route
    /// matches (wildcards name no host), a URL as it is.</summary>
    public static IReadOnlyList<CacheWarmTarget> For(RouteSettings route)
    {
        var targets = new List<CacheWarmTarget>();
        if (route.Middleware.Cache is not { Enabled: true } cache) return targets;
        foreach (var entry in cache.Warm)
        {
            if (entry.StartsWith('/'))
            {
                foreach (var host in route.Match.Hosts)
                    if (!host.StartsWith("*.", StringComparison.Ordinal)) targets.Add(new CacheWarmTarget(false, host.ToLowerInvariant(), entry));
            }
            else if (Uri.TryCreate(entry, UriKind.Absolute, out var url))
            {
                targets.Add(new CacheWarmTarget(url.Scheme == "https", url.IsDefaultPort ? url.Host : url.Authority, url.PathAndQuery));
            }
        }
        return targets;
    }
}
