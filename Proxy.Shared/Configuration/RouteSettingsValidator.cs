using System.Text.RegularExpressions;

namespace Proxy.Shared.Configuration;

/// <summary>Rules for routes: named, unique, pointing at an existing pool, with match conditions that can
/// actually match (paths start with '/', regexes compile, hosts are exact or <c>*.domain</c>, with an optional port).</summary>
internal static class RouteSettingsValidator
{
    public static void Validate(IReadOnlyList<RouteSettings> routes, IReadOnlyDictionary<string, PoolSettings> pools,
        List<ConfigProblem> problems)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < routes.Count; i++)
        {
            var route = routes[i];
            var path = $"proxy.routes[{i}]";
            if (string.IsNullOrWhiteSpace(route.Name))
                problems.Add(new($"{path}.name", "missing name"));
            else if (!names.TryAdd(route.Name, i))
                problems.Add(new($"{path}.name", $"duplicate route name '{route.Name}' (also proxy.routes[{names[route.Name]}])"));

            if (route.Split.Count > 0) ValidateSplit(route, path, pools, problems);
            else if (string.IsNullOrWhiteSpace(route.Pool))
                problems.Add(new($"{path}.pool", "missing pool (or a split = [ { pool, weight } ])"));
            else if (!pools.ContainsKey(route.Pool))
                problems.Add(new($"{path}.pool", $"no pool named '{route.Pool}'"));
            if (route.SplitKey is not null && route.Split.Count == 0)
                problems.Add(new($"{path}.split-key", "split-key is used only with split = [ … ]"));

            ValidateMatch(route.Match, $"{path}.match", problems);
        }
    }

    private static void ValidateSplit(RouteSettings route, string path, IReadOnlyDictionary<string, PoolSettings> pools,
        List<ConfigProblem> problems)
    {
        if (!string.IsNullOrEmpty(route.Pool))
            problems.Add(new(path, "give either pool or split, not both"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var total = 0L;
        for (var i = 0; i < route.Split.Count; i++)
        {
            var (pool, weight) = route.Split[i];
            var at = $"{path}.split[{i}]";
            if (pool.Length == 0) problems.Add(new($"{at}.pool", "missing pool"));
            else if (!pools.ContainsKey(pool)) problems.Add(new($"{at}.pool", $"no pool named '{pool}'"));
            else if (!seen.Add(pool)) problems.Add(new($"{at}.pool", $"pool '{pool}' is in the split twice"));
            if (weight < 0) problems.Add(new($"{at}.weight", "missing weight (a whole number, 0 or more)"));
            else total += weight;
        }
        if (total == 0 && route.Split.All(t => t.Weight >= 0))
            problems.Add(new($"{path}.split", "the weights add up to 0: give at least one side a weight"));
        else if (total > 1_000_000)
            problems.Add(new($"{path}.split", $"the weights add up to {total}; keep them at most 1000000 in total (they are shares, e.g. 90 and 10)"));
    }

    /// <summary>RFC 9110 token characters (methods are tokens).</summary>
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    private static void ValidateMatch(RouteMatch match, string path, List<ConfigProblem> problems)
    {
        if (match.Path is not null && match.PathPrefix is not null)
            problems.Add(new(path, "set either path or path-prefix, not both"));
        if (match.Path is not null && !match.Path.StartsWith('/'))
            problems.Add(new($"{path}.path", $"path must start with '/', got '{match.Path}'"));
        if (match.PathPrefix is not null && !match.PathPrefix.StartsWith('/'))
            problems.Add(new($"{path}.path-prefix", $"path-prefix must start with '/', got '{match.PathPrefix}'"));
        if (match.PathRegex is not null)
        {
            try
            {
                _ = new Regex(match.PathRegex, RegexOptions.CultureInvariant);
            }
            catch (ArgumentException ex)
            {
                problems.Add(new($"{path}.path-regex", $"invalid regex: {ex.Message}"));
            }
        }

        for (var i = 0; i < match.Hosts.Count; i++)
        {
            var host = match.Hosts[i];
            var at = match.Hosts.Count == 1 ? $"{path}.host" : $"{path}.host[{i}]";
            if (!Routing.HostPattern.TryParse(host, out _, out var error)) problems.Add(new(at, error));
        }
        foreach (var method in match.Methods)
        {
            if (method.Length == 0 || !method.All(IsTokenChar))
                problems.Add(new($"{path}.methods", $"not an HTTP method: '{method}'"));
        }
        foreach (var name in match.Headers.Keys)
        {
            if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || c == ':'))
                problems.Add(new($"{path}.headers.{name}", $"not a header name: '{name}'"));
        }
    }
}
