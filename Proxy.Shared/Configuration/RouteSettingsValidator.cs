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

            if (string.IsNullOrWhiteSpace(route.Pool))
                problems.Add(new($"{path}.pool", "missing pool"));
            else if (!pools.ContainsKey(route.Pool))
                problems.Add(new($"{path}.pool", $"no pool named '{route.Pool}'"));

            ValidateMatch(route.Match, $"{path}.match", problems);
        }
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
