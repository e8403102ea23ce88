using Akka.Configuration;

namespace Proxy.Shared.Configuration;

/// <summary>Builds the environment's config layer: the <see cref="NamedEnvironmentVariables"/> (<c>PROXY_REDIS</c>
/// → <c>proxy.redis</c>, …), then on top the <c>PROXY__…</c> overrides: <c>PROXY__A__B_C=value</c> sets
/// <c>proxy.a.b-c</c> (segments split on <c>__</c>, lower-cased, <c>_</c> → <c>-</c>).</summary>
/// <remarks>A value starting with <c>[</c>, <c>{</c> or <c>"</c> is parsed as HOCON (lists, objects, quoted
/// strings); any other value is taken as a string, which every getter converts (<c>5s</c>, <c>on</c>,
/// <c>100</c>, <c>20%</c>) — this keeps <c>host:port</c> and URLs (which unquoted HOCON would reject or cut
/// at <c>//</c>) working. Names are case-sensitive, so only lower-case pool names can be reached.</remarks>
internal static class EnvironmentOverrides
{
    public const string Prefix = "PROXY__";

    public static EnvironmentLayer Build(IReadOnlyDictionary<string, string?> environment, List<ConfigProblem> problems)
    {
        var sources = new List<(string Path, string Variable)>();
        var overrides = environment
            .Where(e => e.Key.StartsWith(Prefix, StringComparison.Ordinal) && e.Value is not null)
            .Select(e => (Variable: e.Key, Segments: e.Key[Prefix.Length..].Split("__"), Value: e.Value!))
            // Broader settings first, so PROXY__ADMIN__TOKEN still applies on top of PROXY__ADMIN={…}.
            .OrderBy(e => e.Segments.Length)
            .ThenBy(e => e.Variable, StringComparer.Ordinal);

        var result = ConfigurationFactory.Empty;
        foreach (var (variable, path) in NamedEnvironmentVariables.All)
        {
            if (environment.GetValueOrDefault(variable) is not { Length: > 0 } value) continue;
            var key = string.Join('.', path.Split('.').Prepend("proxy").Select(HoconPreprocessor.Quote));
            // Always a string: a token, a connection string or a path is never HOCON to parse.
            var layer = HoconText.Parse($"{key} = {HoconPreprocessor.Quote(value)}", environment, "proxy." + path,
                $"environment variable {variable}", problems);
            if (layer is not null) result = layer.WithFallback(result);
            sources.Add(("proxy." + path, variable));
        }
        foreach (var (variable, segments, value) in overrides)
        {
            var keys = segments.Select(s => s.ToLowerInvariant().Replace('_', '-')).ToList();
            var path = "proxy." + string.Join('.', keys);
            if (keys.Any(k => k.Length == 0))
            {
                problems.Add(new ConfigProblem(variable, "environment variable has an empty segment (check the '__' separators)"));
                continue;
            }
            var key = string.Join('.', keys.Prepend("proxy").Select(HoconPreprocessor.Quote));
            var trimmed = value.TrimStart();
            var hoconValue = trimmed.StartsWith('[') || trimmed.StartsWith('{') || trimmed.StartsWith('"')
                ? value
                : HoconPreprocessor.Quote(value);
            var layer = HoconText.Parse($"{key} = {hoconValue}", environment, path,
                $"environment variable {variable}", problems);
            if (layer is not null) result = layer.WithFallback(result);
            sources.Add((path, variable));
        }
        return new EnvironmentLayer(result, sources);
    }
}

/// <summary>The environment's config layer and which variable set which path, so a mistake in a value that came from
/// the environment names the variable (<c>PROXY__ADMIN__ADDRESS: expected host:port …</c>), not the file.</summary>
internal sealed record EnvironmentLayer(Config Config, IReadOnlyList<(string Path, string Variable)> Sources)
{
    public ConfigProblem Attribute(ConfigProblem problem)
    {
        // The most specific variable wins: PROXY__ADMIN__TOKEN applies on top of PROXY__ADMIN={…}.
        var source = Sources.Where(s => ConfigProblem.IsWithin(problem.Path, s.Path))
            .OrderByDescending(s => s.Path.Length).FirstOrDefault();
        if (source.Variable is null) return problem;
        var where = source.Path == problem.Path ? source.Variable : $"{source.Variable} ({problem.Path})";
        return problem with { Path = where };
    }
}
