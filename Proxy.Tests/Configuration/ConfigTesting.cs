using Xunit;
using Proxy.Shared.Configuration;

namespace Proxy.Tests.Configuration;

/// <summary>Helpers shared by the config tests: load text with a chosen environment, and build small configs
/// that are valid except for the one mistake a test is about.</summary>
internal static class ConfigTesting
{
    public static readonly IReadOnlyDictionary<string, string?> NoEnvironment = new Dictionary<string, string?>();

    public static ConfigLoadResult Load(string hocon, params (string Name, string? Value)[] environment) =>
        ProxyConfigLoader.LoadText(hocon, environment.ToDictionary(e => e.Name, e => e.Value), "test.hocon");

    public static ProxySettings LoadValid(string hocon, params (string Name, string? Value)[] environment)
    {
        var result = Load(hocon, environment);
        Assert.True(result.IsValid, "expected a valid config, got:\n" + string.Join("\n", result.Problems));
        return result.Settings;
    }

    /// <summary>The problems as "path: message" lines, for exact assertions with readable failures.</summary>
    public static List<string> Problems(string hocon, params (string Name, string? Value)[] environment) =>
        Load(hocon, environment).Problems.Select(p => p.ToString()).ToList();

    /// <summary>A valid config with one listener, pool <c>api</c> and route <c>default</c>; pieces replace
    /// the listeners, pools or routes, and <paramref name="extra"/> adds lines inside <c>proxy { }</c>.</summary>
    public static string Config(string? listeners = null, string? pools = null, string? routes = null, string extra = "") => $$"""
        proxy {
          listeners = {{listeners ?? """[ { name = public, address = "127.0.0.1:0" } ]"""}}
          pools {
            {{pools ?? """api { backends = [ "127.0.0.1:9001" ] }"""}}
          }
          routes = {{routes ?? "[ { name = default, pool = api } ]"}}
          {{extra}}
        }
        """;

    /// <summary>Asserts that <paramref name="expected"/> is among the problems, showing all of them if not.</summary>
    public static void HasProblem(string expected, IReadOnlyCollection<string> problems) =>
        Assert.True(problems.Contains(expected),
            $"expected problem:\n  {expected}\ngot:\n  {string.Join("\n  ", problems)}");
}
