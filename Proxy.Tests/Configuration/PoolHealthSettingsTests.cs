using Proxy.Shared.Configuration;
using Xunit;
using static Proxy.Tests.Configuration.ConfigTesting;

namespace Proxy.Tests.Configuration;

/// <summary>Binding and validation of the cluster-core pool keys: health, breaker, outlier, hash-key, and the
/// node's data-dir and persistence.</summary>
public sealed class PoolHealthSettingsTests
{
    private static PoolSettings Pool(string body) =>
        LoadValid(Config(pools: $$"""api { backends = [ "127.0.0.1:9001", "127.0.0.1:9002" ], {{body}} }""")).Pools["api"];

    [Theory]
    [InlineData("policy = consistent-hash, hash-key = client-ip", HashKeySource.ClientIp, null)]
    [InlineData("policy = consistent-hash, hash-key = \"header:X-User\"", HashKeySource.Header, "X-User")]
    [InlineData("policy = consistent-hash, hash-key = \"cookie:session\"", HashKeySource.Cookie, "session")]
    [InlineData("policy = consistent-hash, hash-key { header = X-Tenant }", HashKeySource.Header, "X-Tenant")]
    [InlineData("policy = consistent-hash, hash-key { cookie = sid }", HashKeySource.Cookie, "sid")]
    public void HashKey_IsBoundFromEveryForm(string body, HashKeySource source, string? name) =>
        Assert.Equal(new HashKeySettings { Source = source, Name = name }, Pool(body).HashKey);

    [Theory]
    [InlineData("policy = consistent-hash, hash-key = \"query:x\"")]
    [InlineData("policy = consistent-hash, hash-key = \"header:\"")]
    [InlineData("policy = consistent-hash, hash-key = \"header:bad name\"")]
    [InlineData("policy = consistent-hash, hash-key = something")]
    [InlineData("policy = consistent-hash, hash-key { header = a, cookie = b }")]
    public void BadHashKey_IsReportedAtItsPath(string body)
    {
        var problems = Problems(Config(pools: $$"""api { backends = [ "127.0.0.1:9001" ], {{body}} }"""));
        Assert.Single(problems);
        Assert.StartsWith("proxy.pools.api.hash-key", problems[0]);
    }

    [Fact]
    public void OutlierBlock_TurnsItOn_AndHealthCanBeSwitchedOff()
    {
        var pool = Pool("outlier { consecutive-failures = 3, base-ejection = 5s, max-ejection = 60s, max-ejected = 30% }, health { enabled = off }");
        Assert.Equal(new OutlierSettings
        {
            Enabled = true, ConsecutiveFailures = 3, BaseEjection = TimeSpan.FromSeconds(5), MaxEjection = TimeSpan.FromSeconds(60),
            MaxEjectedPercent = 0.3,
        }, pool.Outlier);
        Assert.Null(pool.Health);
    }

    [Theory]
    [InlineData("health { path = healthz }", "proxy.pools.api.health.path: expected an origin-form path such as /healthz, got 'healthz'")]
    [InlineData("health { interval = 10ms, timeout = 5ms }", "proxy.pools.api.health.interval: must be at least 100ms, got 10ms", "proxy.pools.api.health.timeout: must be at least 10ms, got 5ms")]
    [InlineData("health { interval = 1s, timeout = 2s }", "proxy.pools.api.health.timeout: timeout (2000 ms) must not exceed the interval (1000 ms)")]
    [InlineData("health { healthy = 0 }", "proxy.pools.api.health.healthy: must be at least 1, got 0")]
    [InlineData("breaker { failures = 0 }", "proxy.pools.api.breaker.failures: must be at least 1, got 0")]
    [InlineData("breaker { half-open-trials = 0 }", "proxy.pools.api.breaker.half-open-trials: must be at least 1, got 0")]
    [InlineData("breaker { bogus = 1 }", "proxy.pools.api.breaker.bogus: unknown key 'bogus'")]
    [InlineData("outlier { base-ejection = 10s, max-ejection = 5s }", "proxy.pools.api.outlier.max-ejection: max-ejection must be at least base-ejection")]
    public void BadHealthBreakerOrOutlierValues_AreReportedAtTheirPath(string body, params string[] expected) =>
        Assert.Equal(expected, Problems(Config(pools: $$"""api { backends = [ "127.0.0.1:9001" ], {{body}} }""")));

    [Fact]
    public void Persistence_DefaultsToSqliteInTheDataDir_AndPostgresNeedsAConnectionString()
    {
        var defaults = LoadValid(Config());
        Assert.Equal("data", defaults.DataDir);
        Assert.Equal(new PersistenceSettings(), defaults.Persistence);

        var pg = LoadValid(Config(extra: "data-dir = /var/lib/proxy\npersistence { provider = postgresql, connection-string = \"Host=db;Username=p\" }"));
        Assert.Equal("/var/lib/proxy", pg.DataDir);
        Assert.Equal(new PersistenceSettings { Provider = PersistenceProvider.PostgreSql, ConnectionString = "Host=db;Username=p" }, pg.Persistence);

        Assert.Equal(["proxy.persistence.connection-string: provider postgresql needs a connection string (set PROXY_DB)"],
            Problems(Config(extra: "persistence { provider = postgresql }")));
        Assert.Single(Problems(Config(extra: "persistence { provider = mysql }")));
    }
}
