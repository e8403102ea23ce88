using Xunit;
using static Proxy.Tests.Configuration.ConfigTesting;

namespace Proxy.Tests.Configuration;

/// <summary>Each kind of mistake is reported with its exact path and a message that says what is wrong.</summary>
public class ValidationProblemTests
{
    [Fact]
    public void TheMinimalTestConfig_IsValid() => LoadValid(Config());

    [Fact]
    public void MissingProxySection_IsReported() =>
        Assert.Equal(["proxy: missing: the config has no proxy { … } section"], Problems("akka.loglevel = INFO"));

    [Fact]
    public void NoListenersAtAll_IsReported() =>
        HasProblem("proxy.listeners: no listeners: add at least one, e.g. [ { name = public, address = \"0.0.0.0:8080\" } ]",
            Problems(Config(listeners: "[]")));

    [Fact]
    public void ListenerWithoutName_IsReportedWithItsPath() =>
        Assert.Equal(["proxy.listeners[0].name: missing name"],
            Problems(Config(listeners: """[ { address = "127.0.0.1:0" } ]""")));

    [Fact]
    public void DuplicateListenerName_IsReportedAtTheSecondOne() =>
        Assert.Equal(["proxy.listeners[1].name: duplicate listener name 'public' (also proxy.listeners[0])"],
            Problems(Config(listeners: """[ { name = public, address = "127.0.0.1:8080" }, { name = public, address = "127.0.0.1:8081" } ]""")));

    [Fact]
    public void DuplicateListenerAddress_IsReportedAtTheSecondOne() =>
        Assert.Equal(["proxy.listeners[1].address: duplicate listener address '127.0.0.1:8080' (also proxy.listeners[0])"],
            Problems(Config(listeners: """[ { name = a, address = "127.0.0.1:8080" }, { name = b, address = "127.0.0.1:8080" } ]""")));

    [Fact]
    public void TwoListenersOnPortZero_AreNotDuplicates() =>
        LoadValid(Config(listeners: """[ { name = a, address = "127.0.0.1:0" }, { name = b, address = "127.0.0.1:0" } ]"""));

    [Theory]
    [InlineData("localhost", "expected host:port, got 'localhost'")]
    [InlineData("127.0.0.1:http", "port must be a number from 0 to 65535, got 'http'")]
    [InlineData("127.0.0.1:65536", "port must be a number from 0 to 65535, got '65536'")]
    [InlineData(":8080", "expected host:port, got ':8080'")]
    [InlineData("::1:8080", "IPv6 addresses must be in brackets, like [::1]:8080; got '::1:8080'")]
    public void UnparsableListenerAddress_SaysWhy(string address, string message) =>
        Assert.Equal([$"proxy.listeners[0].address: {message}"],
            Problems(Config(listeners: $$"""[ { name = public, address = "{{address}}" } ]""")));

    [Fact]
    public void UnknownListenerMode_ListsTheValidOnes() =>
        Assert.Equal(["proxy.listeners[0].mode: unknown mode 'sideways' (valid: reverse, forward)"],
            Problems(Config(listeners: """[ { name = public, address = "127.0.0.1:0", mode = sideways } ]""")));

    [Fact]
    public void InvalidAdminAddress_IsReported() =>
        Assert.Equal(["proxy.admin.address: expected host:port, got 'nowhere'"],
            Problems(Config(extra: "admin { address = nowhere }")));

    [Fact]
    public void UnknownPolicy_ListsTheValidOnes() =>
        Assert.Equal(["proxy.pools.api.policy: unknown policy 'fastest' (valid: round-robin, weighted-round-robin, least-requests, power-of-two, consistent-hash, random)"],
            Problems(Config(pools: """api { policy = fastest, backends = [ "127.0.0.1:9001" ] }""")));

    [Theory]
    [InlineData("""api { backends = [] }""")]
    [InlineData("""api { policy = random }""")]
    public void PoolWithNoBackends_IsReported(string pool) =>
        Assert.Equal(["proxy.pools.api.backends: pool has no backends"], Problems(Config(pools: pool)));

    [Fact]
    public void BackendWeightBelowOne_IsReportedWithItsIndex() =>
        Assert.Equal(["proxy.pools.api.backends[1].weight: weight must be at least 1, got 0"],
            Problems(Config(pools: """api { backends = [ "127.0.0.1:9001", { address = "127.0.0.1:9002", weight = 0 } ] }""")));

    [Theory]
    [InlineData("\"127.0.0.1:0\"", "proxy.pools.api.backends[0]: port must be a number from 1 to 65535, got '0'")]
    [InlineData("\"backend-without-port\"", "proxy.pools.api.backends[0]: expected host:port, got 'backend-without-port'")]
    [InlineData("{ address = \"10.0.0.1:99999\" }", "proxy.pools.api.backends[0].address: port must be a number from 1 to 65535, got '99999'")]
    [InlineData("{ weight = 2 }", "proxy.pools.api.backends[0].address: missing address")]
    [InlineData("\"https://secure.internal\"", "proxy.pools.api.backends[0]: expected host:port, got 'secure.internal'")]
    public void BadBackendAddress_IsReportedWithItsPath(string backend, string expected) =>
        Assert.Equal([expected], Problems(Config(pools: $$"""api { backends = [ {{backend}} ] }""")));

    [Fact]
    public void DuplicateBackendInOnePool_IsReported() =>
        Assert.Equal(["proxy.pools.api.backends[1].address: duplicate backend '127.0.0.1:9001' (also proxy.pools.api.backends[0]; use weight instead)"],
            Problems(Config(pools: """api { backends = [ "127.0.0.1:9001", "http://127.0.0.1:9001" ] }""")));

    [Theory]
    [InlineData("timeouts { idle = soon }", "proxy.timeouts.idle: expected a duration like 10s, 250ms or 2m, got 'soon'")]
    [InlineData("timeouts { request-head = 10 parsecs }", "proxy.timeouts.request-head: expected a duration like 10s, 250ms or 2m, got '10 parsecs'")]
    [InlineData("shutdown { timeout = [1] }", "proxy.shutdown.timeout: expected a duration, got a list")]
    [InlineData("shutdown-deadline = 15s", "proxy.shutdown-deadline: renamed: write shutdown { timeout = 15s } (and drain-delay)")]
    [InlineData("limits { max-head-size = big }", "proxy.limits.max-head-size: expected a size like 64k, 8KiB or 10MB, got 'big'")]
    [InlineData("limits { max-uri-size = 4G }", "proxy.limits.max-uri-size: size 4294967296 is too large (at most 2147483647 bytes)")]
    [InlineData("limits { max-headers = many }", "proxy.limits.max-headers: expected a whole number, got 'many'")]
    [InlineData("limits { max-headers = 0 }", "proxy.limits.max-headers: must be at least 1, got 0")]
    [InlineData("limits { max-body-size = -1 }", "proxy.limits.max-body-size: must not be negative (0 = unlimited), got -1")]
    [InlineData("forwarded-header = maybe", "proxy.forwarded-header: expected on or off, got 'maybe'")]
    [InlineData("access-log { enabled = sometimes }", "proxy.access-log.enabled: expected on or off, got 'sometimes'")]
    [InlineData("timeouts = 5s", "proxy.timeouts: expected an object like { request-head = 10s, idle = 75s, client-send = 60s }, got '5s'")]
    [InlineData("demo-backend = \"nope\"", "proxy.demo-backend: expected host:port, got 'nope'")]
    public void BadValue_IsReportedWithItsPath(string extra, string expected) =>
        Assert.Equal([expected], Problems(Config(extra: extra)));

    [Theory]
    [InlineData("timeouts { idle = -5s }", "proxy.timeouts.idle: must not be negative, got -5s")]
    [InlineData("timeouts { client-send = 0s }", "proxy.timeouts.client-send: must be at least 1ms, got 0s")]
    [InlineData("startup { state-timeout = -1s }", "proxy.startup.state-timeout: must not be negative, got -1s")]
    [InlineData("shutdown { timeout = -250ms }", "proxy.shutdown.timeout: must not be negative, got -250ms")]
    [InlineData("shutdown { drain-delay = -1s }", "proxy.shutdown.drain-delay: must not be negative, got -1s")]
    public void NegativeTopLevelTimeout_IsReported(string extra, string expected) =>
        Assert.Equal([expected], Problems(Config(extra: extra)));

    [Theory]
    [InlineData("timeouts { connect = -1s }", "proxy.pools.api.timeouts.connect: must not be negative, got -1s")]
    [InlineData("timeouts { response = -30s }", "proxy.pools.api.timeouts.response: must not be negative, got -30s")]
    [InlineData("connections { idle-timeout = -1s }", "proxy.pools.api.connections.idle-timeout: must not be negative, got -1s")]
    [InlineData("retries { backoff = -25ms }", "proxy.pools.api.retries.backoff: must not be negative, got -25ms")]
    [InlineData("retries { attempts = -1 }", "proxy.pools.api.retries.attempts: must be at least 0, got -1")]
    [InlineData("retries { budget = 150% }", "proxy.pools.api.retries.budget: budget must be from 0% to 100% (write 20% or 0.2), got 150%")]
    [InlineData("retries { budget = 1.5 }", "proxy.pools.api.retries.budget: budget must be from 0% to 100% (write 20% or 0.2), got 150%")]
    [InlineData("retries { budget = -5% }", "proxy.pools.api.retries.budget: budget must be from 0% to 100% (write 20% or 0.2), got -5%")]
    [InlineData("retries { budget = lots }", "proxy.pools.api.retries.budget: expected a percentage like 20% or a fraction like 0.2, got 'lots'")]
    [InlineData("retries { statuses = [502, 600] }", "proxy.pools.api.retries.statuses[1]: status must be from 100 to 599, got 600")]
    [InlineData("retries { statuses = [99] }", "proxy.pools.api.retries.statuses[0]: status must be from 100 to 599, got 99")]
    [InlineData("retries { statuses = [bad-gateway] }", "proxy.pools.api.retries.statuses[0]: expected a whole number, got 'bad-gateway'")]
    [InlineData("retries { non-idempotent = maybe }", "proxy.pools.api.retries.non-idempotent: expected on or off, got 'maybe'")]
    [InlineData("timeouts { send = 0s }", "proxy.pools.api.timeouts.send: must be at least 1ms, got 0s")]
    [InlineData("timeouts { send = forever }", "proxy.pools.api.timeouts.send: expected a duration like 10s, 250ms or 2m, got 'forever'")]
    [InlineData("limits { max-headers = 0 }", "proxy.pools.api.limits.max-headers: must be at least 1, got 0")]
    [InlineData("limits { max-head-size = 100 }", "proxy.pools.api.limits.max-head-size: must be at least 256, got 100")]
    [InlineData("limits { max-body-size = 1m }", "proxy.pools.api.limits.max-body-size: unknown key 'max-body-size'")]
    public void BadPoolSetting_IsReportedWithItsPath(string setting, string expected) =>
        Assert.Equal([expected], Problems(Config(pools: $$"""api { backends = [ "127.0.0.1:9001" ], {{setting}} }""")));

    [Theory]
    [InlineData("retries { non-idempotent = sometimes }", "proxy.routes[0].retries.non-idempotent: expected on or off, got 'sometimes'")]
    [InlineData("retries { attempts = 3 }", "proxy.routes[0].retries.attempts: unknown key 'attempts'")]
    public void BadRouteRetries_AreReportedWithTheirPath(string setting, string expected) =>
        Assert.Equal([expected], Problems(Config(routes: $"[ {{ name = r, pool = api, {setting} }} ]")));

    [Fact]
    public void RouteWithoutName_IsReportedWithItsPath() =>
        Assert.Equal(["proxy.routes[0].name: missing name"], Problems(Config(routes: "[ { pool = api } ]")));

    [Fact]
    public void DuplicateRouteName_IsReportedAtTheSecondOne() =>
        Assert.Equal(["proxy.routes[1].name: duplicate route name 'default' (also proxy.routes[0])"],
            Problems(Config(routes: "[ { name = default, pool = api }, { name = default, pool = api } ]")));

    [Fact]
    public void RouteWithoutPool_IsReportedWithItsPath() =>
        Assert.Equal(["proxy.routes[0].pool: missing pool (or a split = [ { pool, weight } ])"], Problems(Config(routes: "[ { name = default } ]")));

    [Fact]
    public void RoutePointingAtUnknownPool_IsReportedWithItsPath() =>
        Assert.Equal(["proxy.routes[1].pool: no pool named 'ap'"],
            Problems(Config(routes: "[ { name = api, pool = api }, { name = typo, pool = ap } ]")));

    [Fact]
    public void InvalidPathRegex_SaysWhy() =>
        Assert.Equal(["proxy.routes[0].match.path-regex: invalid regex: Invalid pattern '^/v(1' at offset 5. Not enough )'s."],
            Problems(Config(routes: """[ { name = r, match { path-regex = "^/v(1" }, pool = api } ]""")));

    [Fact]
    public void PathAndPathPrefixBothSet_IsReportedOnTheMatch() =>
        Assert.Equal(["proxy.routes[0].match: set either path or path-prefix, not both"],
            Problems(Config(routes: """[ { name = r, match { path = "/a", path-prefix = "/b" }, pool = api } ]""")));

    [Theory]
    [InlineData("path = \"health\"", "proxy.routes[0].match.path: path must start with '/', got 'health'")]
    [InlineData("path-prefix = \"v1/\"", "proxy.routes[0].match.path-prefix: path-prefix must start with '/', got 'v1/'")]
    [InlineData("host = \"api.*.com\"", "proxy.routes[0].match.host: expected a host, '*.example.com' or either with a port (api.example.com:8080), got 'api.*.com'")]
    [InlineData("host = \"api.example.com:http\"", "proxy.routes[0].match.host: expected a host, '*.example.com' or either with a port (api.example.com:8080), got 'api.example.com:http'")]
    [InlineData("host = \"api.example.com:\"", "proxy.routes[0].match.host: expected a host, '*.example.com' or either with a port (api.example.com:8080), got 'api.example.com:'")]
    [InlineData("host = \"api.example.com:70000\"", "proxy.routes[0].match.host: expected a host, '*.example.com' or either with a port (api.example.com:8080), got 'api.example.com:70000'")]
    [InlineData("host = \"http://api.example.com\"", "proxy.routes[0].match.host: expected a host, '*.example.com' or either with a port (api.example.com:8080), got 'http://api.example.com'")]
    [InlineData("host = \"::1:8080\"", "proxy.routes[0].match.host: expected a host, '*.example.com' or either with a port (api.example.com:8080), got '::1:8080'")]
    [InlineData("method = \"GE T\"", "proxy.routes[0].match.methods: not an HTTP method: 'GE T'")]
    [InlineData("headers { X-A = [1] }", "proxy.routes[0].match.headers.X-A: expected a string, got a list")]
    public void BadMatchCondition_IsReportedWithItsPath(string condition, string expected) =>
        Assert.Equal([expected], Problems(Config(routes: $$"""[ { name = r, match { {{condition}} }, pool = api } ]""")));

    /// <summary>Issue 22: HOCON reads a bare number as milliseconds and nginx as seconds; a duration must say which.</summary>
    [Theory]
    [InlineData("timeouts { request-head = 10 }", "proxy.timeouts.request-head: '10' has no unit: add a unit: 10s, 10ms")]
    [InlineData("timeouts { idle = 0.5 }", "proxy.timeouts.idle: '0.5' has no unit: add a unit: 0.5s, 0.5ms")]
    [InlineData("shutdown { drain-delay = \"3\" }", "proxy.shutdown.drain-delay: '3' has no unit: add a unit: 3s, 3ms")]
    public void ADurationWithoutAUnit_IsRefused(string extra, string expected) =>
        Assert.Equal([expected], Problems(Config(extra: extra)));

    [Fact]
    public void ADurationWithoutAUnitInAPool_IsRefusedAtItsPath() =>
        Assert.Equal(["proxy.pools.api.timeouts.connect: '2000' has no unit: add a unit: 2000s, 2000ms"],
            Problems(Config(pools: """api { backends = [ "127.0.0.1:9001" ], timeouts { connect = 2000 } }""")));

    /// <summary>Found by fuzzing (issue 21): a number with thirty digits threw OverflowException from the loader.</summary>
    [Theory]
    [InlineData("timeouts { idle = 99999999999999999999999999999999s }", "proxy.timeouts.idle: duration '99999999999999999999999999999999s' is too large")]
    [InlineData("timeouts { idle = 9999999999999999999999999999d }", "proxy.timeouts.idle: duration '9999999999999999999999999999d' is too large")]
    [InlineData("limits { max-body-size = 99999999999999999999999999999999TB }", "proxy.limits.max-body-size: size '99999999999999999999999999999999TB' is too large")]
    public void AHugeNumber_IsTooLarge_NotAnException(string extra, string expected) =>
        Assert.Equal([expected], Problems(Config(extra: extra)));
}
