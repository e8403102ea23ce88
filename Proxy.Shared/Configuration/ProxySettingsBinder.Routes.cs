namespace Proxy.Shared.Configuration;

// Binding of proxy.routes: match conditions, the pool, retries and the route's middleware (inherited from
// proxy.defaults where the route leaves a block out).
internal sealed partial class ProxySettingsBinder
{
    private List<RouteSettings> BindRoutes(HoconObjectReader proxy, RouteMiddleware inherited)
    {
        var result = new List<RouteSettings>();
        var items = proxy.List("routes");
        if (items is null) return result;
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{proxy.PathOf("routes")}[{i}]";
            var r = HoconObjectReader.For(items[i], path, problems, "{ name = api, match { path-prefix = \"/\" }, pool = api }");
            if (r is null)
            {
                result.Add(new RouteSettings { Name = "", Pool = "" });
                continue;
            }
            result.Add(new RouteSettings
            {
                Name = r.String("name") ?? "",
                Match = BindMatch(r),
                Pool = r.String("pool") ?? "",
                Split = BindSplit(r),
                SplitKey = BindHashKey(r, "split-key"),
                RetryNonIdempotent = BindRouteRetries(r),
                Middleware = BindMiddleware(r, inherited),
            });
            r.ReportUnknownKeys();
        }
        return result;
    }

    private static bool? BindRouteRetries(HoconObjectReader route)
    {
        var r = route.Object("retries", "{ non-idempotent = on }");
        if (r is null) return null;
        var value = r.Switch("non-idempotent");
        r.ReportUnknownKeys();
        return value;
    }

    private RouteMatch BindMatch(HoconObjectReader route)
    {
        var r = route.Object("match", "{ host = \"api.example.com\", path-prefix = \"/v1/\" }");
        if (r is null) return new RouteMatch(); // no match block: the route matches every request
        var methods = new List<string>();
        methods.AddRange(r.StringOrList("method") ?? []);
        methods.AddRange(r.StringOrList("methods") ?? []);
        var match = new RouteMatch
        {
            // Host names and methods are compared case-insensitively / in upper case on the wire.
            Hosts = (r.StringOrList("host") ?? []).Select(h => h.Trim().ToLowerInvariant()).ToList(),
            Path = r.String("path"),
            PathPrefix = r.String("path-prefix"),
            PathRegex = r.String("path-regex"),
            Methods = methods.Select(m => m.Trim().ToUpperInvariant()).Distinct().ToList(),
            Headers = StringMap(r, "headers", "{ X-Api-Version = \"2\" }"),
            Query = StringMap(r, "query", "{ debug = \"1\" }"),
        };
        r.ReportUnknownKeys();
        return match;
    }

    /// <summary>A <c>{ name = value }</c> block; a <c>null</c> value means "present with any value".</summary>
    private Dictionary<string, string?> StringMap(HoconObjectReader match, string key, string example)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        var r = match.Object(key, example);
        if (r is null) return result;
        foreach (var name in r.Keys.ToList())
        {
            var value = r.Raw(name);
            if (value is null)
                result[name] = null;
            else if (HoconValues.ScalarText(value, r.PathOf(name), problems, "a string") is { } text)
                result[name] = text;
        }
        return result;
    }

    /// <summary><c>split = [ { pool = stable, weight = 90 }, { pool = canary, weight = 10 } ]</c>.</summary>
    private List<SplitTarget> BindSplit(HoconObjectReader route)
    {
        var result = new List<SplitTarget>();
        var items = route.List("split");
        if (items is null) return result;
        for (var i = 0; i < items.Count; i++)
        {
            var r = HoconObjectReader.For(items[i], $"{route.PathOf("split")}[{i}]", problems, "{ pool = canary, weight = 10 }");
            if (r is null)
            {
                result.Add(new SplitTarget("", 0));
                continue;
            }
            result.Add(new SplitTarget(r.String("pool") ?? "", r.Int("weight") ?? -1));
            r.ReportUnknownKeys();
        }
        return result;
    }
}
