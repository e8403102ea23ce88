using Akka.Configuration;
using Proxy.Shared.Configuration;
using Xunit;
using static Proxy.Tests.Configuration.ConfigTesting;

namespace Proxy.Tests.Configuration;

/// <summary>Binding never throws: wrong shapes and unknown keys become problems at their path, and blocks
/// owned by later features are accepted.</summary>
public class BindingShapeTests
{
    [Theory]
    [InlineData("polcy = random", "proxy.pools.api.polcy: unknown key 'polcy'")]
    [InlineData("retries { atempts = 2 }", "proxy.pools.api.retries.atempts: unknown key 'atempts'")]
    [InlineData("timeouts { conect = 1s }", "proxy.pools.api.timeouts.conect: unknown key 'conect'")]
    public void UnknownKeyInAPool_IsReportedAsATypo(string setting, string expected) =>
        Assert.Equal([expected], Problems(Config(pools: $$"""api { backends = [ "127.0.0.1:9001" ], {{setting}} }""")));

    [Fact]
    public void UnknownKeysAtEveryLevel_AreReported()
    {
        var problems = Problems(Config(
            listeners: """[ { name = public, address = "127.0.0.1:0", maxconnections = 5 } ]""",
            routes: """[ { name = r, pool = api, mtach { path = "/" }, match { paths = "/" } } ]""",
            extra: "listener = []\nlimits { max-header-size = 1k }"));
        Assert.Equal(
            [
                "proxy.listeners[0].maxconnections: unknown key 'maxconnections'",
                "proxy.routes[0].match.paths: unknown key 'paths'",
                "proxy.routes[0].mtach: unknown key 'mtach'",
                "proxy.limits.max-header-size: unknown key 'max-header-size'",
                "proxy.listener: unknown key 'listener'",
            ],
            problems);
    }

    [Fact]
    public void BlocksOfEveryFeature_Bind() =>
        LoadValid(Config(
            listeners: """[ { name = s, address = "127.0.0.1:0", tls { certificates = [ { cert = a, key = b } ] } } ]""",
            pools: """api { backends = [ "127.0.0.1:9001" ], health { path = "/healthz" }, breaker { failures = 5 }, policy = consistent-hash, hash-key { header = X-User } }""",
            routes: """[ { name = r, pool = api, match { path-prefix = "/v1/" }, transforms { strip-prefix = "/v1" } } ]""",
            extra: """
                rate-limits = [ { name = per-ip, key = client-ip, rate = "100/s" } ]
                tcp-routes = [ { name = pg, listen = "0.0.0.0:5432", pool = api } ]
                forward { header = X-Upstream-Proxy, default-upstream = "http://u:p@127.0.0.1:3128" }
                """));

    [Fact]
    public void ListenerThatIsNotAnObject_IsReportedOnceAtItsIndex() =>
        Assert.Equal(["proxy.listeners[1]: expected an object like { name = public, address = \"0.0.0.0:8080\" }, got '127.0.0.1:8080'"],
            Problems(Config(listeners: """[ { name = public, address = "127.0.0.1:0" }, "127.0.0.1:8080" ]""")));

    [Fact]
    public void RouteThatIsNotAnObject_IsReportedOnceAndLaterRoutesKeepTheirIndex() =>
        Assert.Equal(
            [
                "proxy.routes[0]: expected an object like { name = api, match { path-prefix = \"/\" }, pool = api }, got a list",
                "proxy.routes[1].pool: no pool named 'nope'",
            ],
            Problems(Config(routes: "[ [ a ], { name = r, pool = nope } ]")));

    [Theory]
    [InlineData("listeners = { a = 1 }", "proxy.listeners: expected a list, got an object")]
    [InlineData("routes = default", "proxy.routes: expected a list, got 'default'")]
    public void ListWrittenAsSomethingElse_IsReportedOnce(string replacement, string expected)
    {
        var text = replacement.StartsWith("listeners")
            ? Config(listeners: replacement["listeners = ".Length..])
            : Config(routes: replacement["routes = ".Length..]);
        Assert.Equal([expected], Problems(text));
    }

    [Fact]
    public void PoolsWrittenAsAList_IsReported() =>
        Assert.Contains("proxy.pools: expected an object like { api { backends = [\"127.0.0.1:9001\"] } }, got a list",
            Problems("""
                proxy {
                  listeners = [ { name = public, address = "127.0.0.1:0" } ]
                  pools = [ api ]
                }
                """));

    [Fact]
    public void ReadingAConfigWithoutProxySection_ReportsIt()
    {
        var result = ProxyConfigReader.Read(ConfigurationFactory.ParseString("akka.loglevel = INFO"));
        Assert.False(result.IsValid);
        Assert.Null(result.Settings);
        Assert.Equal("proxy: missing: the config has no proxy { … } section", Assert.Single(result.Problems).ToString());
    }

    [Fact]
    public void ReadingAParsedConfigDirectly_BindsIt()
    {
        var result = ProxyConfigReader.Read(ConfigurationFactory.ParseString("""
            proxy {
              listeners = [ { name = public, address = "127.0.0.1:8080" } ]
              pools { api { backends = [ "127.0.0.1:9001" ] } }
              routes = [ { name = all, pool = api } ]
            }
            """));
        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        Assert.Equal("127.0.0.1:8080", result.Settings.Listeners[0].Address);
        // Without the loader there is no defaults layer: the record defaults apply.
        Assert.Equal(new LimitsSettings(), result.Settings.Limits);
    }

    [Fact]
    public void SeveralMistakes_AreAllReportedTogether()
    {
        var problems = Problems("""
            proxy {
              listeners = [
                { name = public, address = "0.0.0.0:8080" }
                { name = public, address = "0.0.0.0:99999", mode = sideways }
              ]
              admin { address = "localhost" }
              timeouts { idle = -1s }
              pools {
                api { polcy = random, backends = [] }
                web { policy = fastest, backends = [ { address = "127.0.0.1:9001", weight = 0 } ],
                      retries { budget = 120%, statuses = [ 700 ] } }
              }
              routes = [
                { name = api, match { path = "v1", path-prefix = "/v1" }, pool = api }
                { name = api, match { path-regex = "([" }, pool = ap }
                { pool = web }
              ]
            }
            """);
        Assert.Equal(
            [
                "proxy.listeners[1].mode: unknown mode 'sideways' (valid: reverse, forward)",
                "proxy.pools.api.polcy: unknown key 'polcy'",
                "proxy.pools.web.policy: unknown policy 'fastest' (valid: round-robin, weighted-round-robin, least-requests, power-of-two, consistent-hash, random)",
                "proxy.listeners[1].name: duplicate listener name 'public' (also proxy.listeners[0])",
                "proxy.listeners[1].address: port must be a number from 0 to 65535, got '99999'",
                "proxy.admin.address: expected host:port, got 'localhost'",
                "proxy.pools.api.backends: pool has no backends",
                "proxy.pools.web.backends[0].weight: weight must be at least 1, got 0",
                "proxy.pools.web.retries.statuses[0]: status must be from 100 to 599, got 700",
                "proxy.pools.web.retries.budget: budget must be from 0% to 100% (write 20% or 0.2), got 120%",
                "proxy.routes[0].match: set either path or path-prefix, not both",
                "proxy.routes[0].match.path: path must start with '/', got 'v1'",
                "proxy.routes[1].name: duplicate route name 'api' (also proxy.routes[0])",
                "proxy.routes[1].pool: no pool named 'ap'",
                "proxy.routes[1].match.path-regex: invalid regex: Invalid pattern '([' at offset 2. Unterminated [] set.",
                "proxy.routes[2].name: missing name",
                "proxy.timeouts.idle: must not be negative, got -1s",
            ],
            problems);
    }
}
