using Proxy.Shared.Configuration;
using Xunit;
using static Proxy.Tests.Configuration.ConfigTesting;

namespace Proxy.Tests.Configuration;

/// <summary>Issue 21, point 1: the named variables configure the node whatever the file contains (built-in defaults,
/// then the file, then the environment), without a <c>${?VAR}</c> line in the file.</summary>
public class NamedEnvironmentVariablesTests
{
    /// <summary>A user's own minimal file: it mentions none of the variables.</summary>
    private static readonly string Minimal = Config();

    [Fact]
    public void EachVariable_AppliesToAMinimalFile()
    {
        var settings = LoadValid(Minimal,
            ("PROXY_ADMIN_TOKEN", "s3cret-token"), ("PROXY_DATA_DIR", "/var/lib/proxy"), ("PROXY_DB_PROVIDER", "postgresql"),
            ("PROXY_DB", "Host=db;Username=proxy"), ("PROXY_REDIS", "10.0.0.5:6379"));
        Assert.Equal("s3cret-token", settings.Admin.Token);
        Assert.Equal("/var/lib/proxy", settings.DataDir);
        Assert.Equal(PersistenceProvider.PostgreSql, settings.Persistence.Provider);
        Assert.Equal("Host=db;Username=proxy", settings.Persistence.ConnectionString);
        Assert.Equal("10.0.0.5:6379", settings.Redis);
    }

    [Fact]
    public void RedisLimits_InAFileWithoutTheRedisLine_StartWithProxyRedis()
    {
        var file = Config(extra: """rate-limits = [ { name = api, rate = "10/s", store = redis } ]""");
        HasProblem("proxy.rate-limits[0].store: store = redis needs proxy.redis (or PROXY_REDIS), e.g. \"127.0.0.1:6379\"", Problems(file));
        Assert.Equal("127.0.0.1:6379", LoadValid(file, ("PROXY_REDIS", "127.0.0.1:6379")).Redis);
    }

    [Fact]
    public void TheEnvironment_WinsOverTheFile_AndPROXY__Overrides_WinOverNamedVariables()
    {
        var file = Config(extra: """redis = "file:6379", data-dir = "from-file" """);
        Assert.Equal("file:6379", LoadValid(file).Redis);
        Assert.Equal("env:6379", LoadValid(file, ("PROXY_REDIS", "env:6379")).Redis);
        Assert.Equal("override:6379", LoadValid(file, ("PROXY_REDIS", "env:6379"), ("PROXY__REDIS", "override:6379")).Redis);
        Assert.Equal("from-file", LoadValid(file, ("PROXY_DATA_DIR", "")).DataDir); // empty = unset
    }

    [Fact]
    public void AFileThatStillReadsTheVariable_KeepsWorking() =>
        Assert.Equal("t", LoadValid(Config(extra: "admin { token = ${?PROXY_ADMIN_TOKEN} }"), ("PROXY_ADMIN_TOKEN", "t")).Admin.Token);

    [Fact]
    public void ValuesAreTakenAsText_NeverParsedAsHocon() =>
        Assert.Equal("a,b}{\"${X}", LoadValid(Minimal, ("PROXY_ADMIN_TOKEN", "a,b}{\"${X}")).Admin.Token);

    [Fact]
    public void TheListIsTheOnePlaceNamingThem() =>
        Assert.Equal(["PROXY_ADMIN_TOKEN", "PROXY_DATA_DIR", "PROXY_DB_PROVIDER", "PROXY_DB", "PROXY_REDIS"],
            NamedEnvironmentVariables.All.Select(v => v.Variable));
}
