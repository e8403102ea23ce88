using System.Collections;
using System.Security;
using Akka.Configuration;

namespace Proxy.Shared.Configuration;

/// <summary>Loads a node's HOCON config file: parse, apply the environment (<see cref="NamedEnvironmentVariables"/>,
/// then <c>PROXY__…</c> overrides), fall back to <see cref="ProxyConfigDefaults"/>, then bind and validate the
/// proxy section.</summary>
/// <remarks>The <c>environment</c> dictionary is the only environment consulted, both for <c>PROXY__…</c>
/// overrides and for <c>${VAR}</c> / <c>${?VAR}</c> substitutions in the file (see
/// <see cref="HoconPreprocessor"/>); pass <see cref="ProcessEnvironment"/> for the real one. Precedence,
/// highest first: <c>PROXY__…</c> overrides, the named variables, the file, the defaults — whatever the file
/// contains.</remarks>
public static class ProxyConfigLoader
{
    public static ConfigLoadResult Load(string path, IReadOnlyDictionary<string, string?> environment)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Failed(new ConfigProblem("config", $"file not found: {path}"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SecurityException
                                       or ArgumentException or NotSupportedException)
        {
            return Failed(new ConfigProblem("config", $"cannot read '{path}': {ex.Message}"));
        }
        return LoadText(text, environment, path);
    }

    /// <summary>As <see cref="Load"/>, for config text already in memory (tests, a reload sent over the admin
    /// API). <paramref name="source"/> names the text in problem messages.</summary>
    public static ConfigLoadResult LoadText(string hocon, IReadOnlyDictionary<string, string?> environment,
        string source = "config text")
    {
        var problems = new List<ConfigProblem>();
        var file = HoconText.Parse(hocon, environment, "config", source, problems);
        var overrides = EnvironmentOverrides.Build(environment, problems);
        if (file is null || problems.Count > 0) return new ConfigLoadResult(null, null, problems);

        // The defaults alone do not make a proxy: without a proxy section in the file or the environment,
        // say so rather than "no listeners".
        if (!file.HasPath("proxy") && !environment.Keys.Any(k => k.StartsWith(EnvironmentOverrides.Prefix, StringComparison.Ordinal)))
            return new ConfigLoadResult(file, null, [new ConfigProblem("proxy", "missing: the config has no proxy { … } section")]);

        var defaults = ConfigurationFactory.ParseString(ProxyConfigDefaults.Hocon);
        var full = overrides.Config.WithFallback(file).WithFallback(defaults);
        var read = ProxyConfigReader.Read(full);
        return new ConfigLoadResult(full, read.Settings, read.Problems.Select(overrides.Attribute).ToList());
    }

    /// <summary>This process's environment variables, for <see cref="Load"/>.</summary>
    public static IReadOnlyDictionary<string, string?> ProcessEnvironment()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            result[(string)entry.Key] = entry.Value as string;
        return result;
    }

    private static ConfigLoadResult Failed(ConfigProblem problem) => new(null, null, [problem]);
}
