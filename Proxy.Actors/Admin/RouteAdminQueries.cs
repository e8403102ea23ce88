using Proxy.Shared.Admin;
using Proxy.Shared.Configuration;

namespace Proxy.Actors.Admin;

/// <summary><c>pbm routes</c>: the node's routes in match order — conditions, the pool or the split with its weights
/// and shares, and the middleware each runs. From the node's configuration (no cluster round trip).</summary>
public sealed class RouteAdminQueries(Func<ProxySettings> settings)
{
    /// <summary>The routes of the node's current config revision.</summary>
    public AdminResult List() => new(200, new RouteList(settings().Routes.Select(View).ToList()));

    private static RouteView View(RouteSettings route)
    {
        var total = route.Split.Sum(t => (double)t.Weight);
        return new RouteView(route.Name, Conditions(route.Match), route.Split.Count > 0 ? null : route.Pool,
            route.Split.Select(t => new SplitView(t.Pool, t.Weight, Math.Round(100 * t.Weight / total, 1))).ToList(),
            route.SplitKey is { } key ? KeyText(key) : null, Middleware(route));
    }

    private static string Conditions(RouteMatch match)
    {
        var parts = new List<string>();
        if (match.Hosts.Count > 0) parts.Add("host " + string.Join("|", match.Hosts));
        if (match.Methods.Count > 0) parts.Add("method " + string.Join("|", match.Methods));
        if (match.Path is not null) parts.Add("path " + match.Path);
        if (match.PathPrefix is not null) parts.Add("path-prefix " + match.PathPrefix);
        if (match.PathRegex is not null) parts.Add("path-regex " + match.PathRegex);
        parts.AddRange(match.Headers.Select(h => $"header {h.Key}{(h.Value is null ? "" : "=" + h.Value)}"));
        parts.AddRange(match.Query.Select(q => $"query {q.Key}{(q.Value is null ? "" : "=" + q.Value)}"));
        return parts.Count == 0 ? "*" : string.Join(", ", parts);
    }

    private static string KeyText(HashKeySettings key) => key.Source switch
    {
        HashKeySource.Header => "header:" + key.Name,
        HashKeySource.Cookie => "cookie:" + key.Name,
        _ => "client-ip",
    };

    /// <summary>The middleware's names in the order it runs; no file names, keys or values (they may be secrets).</summary>
    private static List<string> Middleware(RouteSettings settings)
    {
        var route = settings.Middleware;
        var names = new List<string>();
        if (route.RequestId.Enabled) names.Add("request-id");
        if (route.SecurityHeaders) names.Add("security-headers");
        if (route.Access is not null) names.Add("access");
        if (route.Auth is { ApiKeys: not null }) names.Add("auth:api-keys");
        if (route.Auth is { Basic: not null }) names.Add("auth:basic");
        if (route.Transforms is not null) names.Add("transforms");
        return names;
    }
}
