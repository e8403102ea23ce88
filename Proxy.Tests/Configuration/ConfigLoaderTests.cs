using Proxy.Shared.Configuration;
using Xunit;
using static Proxy.Tests.Configuration.ConfigTesting;

namespace Proxy.Tests.Configuration;

/// <summary>Loading a file: reading, parsing, defaults, environment overrides and substitutions.</summary>
public class ConfigLoaderTests
{
    [Fact]
    public void MissingFile_IsAProblemAtConfig()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.hocon");
        var result = ProxyConfigLoader.Load(path, NoEnvironment);
        Assert.False(result.IsValid);
        Assert.Null(result.Hocon);
        Assert.Equal($"config: file not found: {path}", Assert.Single(result.Problems).ToString());
    }

    [Fact]
    public void UnreadableFile_IsAProblemAtConfig()
    {
        var directory = Directory.CreateTempSubdirectory("proxy-config-test").FullName;
        try
        {
            var result = ProxyConfigLoader.Load(directory, NoEnvironment);
            var problem = Assert.Single(result.Problems);
            Assert.Equal("config", problem.Path);
            Assert.StartsWith($"cannot read '{directory}'", problem.Message);
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [Fact]
    public void ValidFile_IsLoadedFromDisk()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Config());
            var result = ProxyConfigLoader.Load(file, NoEnvironment);
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
            Assert.Equal("public", result.Settings.Listeners[0].Name);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ParseError_IsAProblemNamingTheSourceAndLine() =>
        Assert.Equal(["config: test.hocon, line 2: ':' inside a value: quote the value (\"…\")"],
            Problems("proxy {\n  demo-backend = 127.0.0.1:9000\n}"));

    [Fact]
    public void UnknownToken_IsReportedWithItsLine() =>
        Assert.Equal(["config: test.hocon, line 3: '@' is allowed only inside quotes: quote the value (\"…\")"],
            Problems("proxy {\n  a = 1\n  b = @x\n}"));

    [Fact]
    public void UnclosedBrace_IsReportedWithTheLineItOpened() =>
        Assert.Equal(["config: test.hocon, line 1: '{' is never closed (end of text reached)"],
            Problems("proxy {\n  admin {\n    address = \"127.0.0.1:9110\"\n}"));

    [Fact]
    public void MismatchedBracket_IsReported() =>
        Assert.Equal(["config: test.hocon, line 2: ']' does not close the '{' opened at line 1"],
            Problems("proxy {\n  a = 1 ]\n}"));

    [Fact]
    public void UnclosedString_IsReported() =>
        Assert.Equal(["config: test.hocon, line 2: string is not closed"],
            Problems("proxy {\n  demo-backend = \"127.0.0.1:9000\n}"));

    [Fact]
    public void EmptyFile_ReportsTheMissingProxySection() =>
        Assert.Equal(["proxy: missing: the config has no proxy { … } section"], Problems(""));

    [Fact]
    public void Defaults_ApplyToEverythingNotWritten()
    {
        var settings = LoadValid(Config());
        var expected = new ProxySettings();
        Assert.Equal(expected.Admin, settings.Admin);
        Assert.Equal(expected.AccessLog, settings.AccessLog);
        Assert.Equal(expected.Limits, settings.Limits);
        Assert.Equal(expected.Timeouts, settings.Timeouts);
        Assert.Equal(expected.Shutdown, settings.Shutdown);
        Assert.Equal(expected.AddForwardedHeader, settings.AddForwardedHeader);
        Assert.Null(settings.DemoBackend);
        Assert.Null(settings.AdminToken);
        Assert.Equal(new PoolSettings { Name = "api" }.Retries, settings.Pools["api"].Retries);
    }

    [Fact]
    public void DefaultsHocon_SpellsOutTheSameValuesAsTheRecords()
    {
        var defaults = Akka.Configuration.ConfigurationFactory.ParseString(ProxyConfigDefaults.Hocon);
        Assert.Equal("127.0.0.1:9110", defaults.GetString("proxy.admin.address"));
        Assert.Equal(new LimitsSettings().MaxHeadBytes, defaults.GetByteSize("proxy.limits.max-head-size"));
        Assert.Equal(new LimitsSettings().MaxUriBytes, defaults.GetByteSize("proxy.limits.max-uri-size"));
        Assert.Equal(new LimitsSettings().MaxHeaders, defaults.GetInt("proxy.limits.max-headers"));
        Assert.Equal(new TimeoutSettings().Idle, defaults.GetTimeSpan("proxy.timeouts.idle"));
        Assert.Equal(new TimeoutSettings().RequestHead, defaults.GetTimeSpan("proxy.timeouts.request-head"));
        Assert.Equal(new ShutdownSettings().Timeout, defaults.GetTimeSpan("proxy.shutdown.timeout"));
        Assert.Equal(new ShutdownSettings().DrainDelay, defaults.GetTimeSpan("proxy.shutdown.drain-delay"));
        Assert.Equal(new StartupSettings().StateTimeout, defaults.GetTimeSpan("proxy.startup.state-timeout"));
        Assert.Equal(new TimeoutSettings().ClientSend, defaults.GetTimeSpan("proxy.timeouts.client-send"));
        Assert.True(defaults.GetBoolean("proxy.access-log.enabled"));
        Assert.Equal("stdout", defaults.GetString("proxy.access-log.target"));
    }

    [Fact]
    public void FileValues_WinOverDefaultsButOnlyWhereWritten()
    {
        var settings = LoadValid(Config(extra: "limits { max-headers = 20 }"));
        Assert.Equal(new LimitsSettings { MaxHeaders = 20 }, settings.Limits);
    }

    [Fact]
    public void EnvironmentOverride_ReplacesAScalar()
    {
        var settings = LoadValid(Config(extra: "timeouts { idle = 30s }"), ("PROXY__TIMEOUTS__IDLE", "5s"));
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Timeouts.Idle);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Timeouts.RequestHead);
    }

    [Fact]
    public void EnvironmentOverride_MapsUnderscoresToDashes()
    {
        var settings = LoadValid(Config(), ("PROXY__TIMEOUTS__REQUEST_HEAD", "2s"), ("PROXY__SHUTDOWN__DRAIN_DELAY", "1s"));
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Timeouts.RequestHead);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.Shutdown.DrainDelay);
    }

    [Fact]
    public void EnvironmentOverride_TakesAddressesAndUrlsAsPlainStrings()
    {
        var settings = LoadValid(Config(),
            ("PROXY__DEMO_BACKEND", "127.0.0.1:9000"),
            ("PROXY__ACCESS_LOG__TARGET", "/var/log/proxy # access.log"),
            ("PROXY__POOLS__API__BACKENDS", "[ \"http://10.0.0.5:8080\" ]"));
        Assert.Equal("127.0.0.1:9000", settings.DemoBackend);
        Assert.Equal("/var/log/proxy # access.log", settings.AccessLog.Target);
        Assert.Equal("10.0.0.5:8080", Assert.Single(settings.Pools["api"].Backends).Address);
    }

    [Fact]
    public void EnvironmentOverride_ReplacesAListWithHocon()
    {
        var settings = LoadValid(Config(), ("PROXY__LISTENERS", "[{name=a,address=\"127.0.0.1:1\"}]"));
        Assert.Equal(new ListenerSettings { Name = "a", Address = "127.0.0.1:1" }, Assert.Single(settings.Listeners));
    }

    [Fact]
    public void EnvironmentOverride_CanAddAWholePool()
    {
        var settings = LoadValid(Config(routes: "[ { name = r, pool = extra } ]"),
            ("PROXY__POOLS__EXTRA", "{ policy = random, backends = [ \"127.0.0.1:9100\" ], retries { budget = 10% } }"));
        Assert.Equal(LoadBalancingPolicyKind.Random, settings.Pools["extra"].Policy);
        Assert.Equal(0.1, settings.Pools["extra"].Retries.Budget, 6);
        Assert.True(settings.Pools.ContainsKey("api"));
    }

    [Fact]
    public void MoreSpecificEnvironmentOverride_AppliesOnTopOfABroaderOne()
    {
        var settings = LoadValid(Config(),
            ("PROXY__ADMIN__TOKEN", "t0ken"),
            ("PROXY__ADMIN", "{ address = \"127.0.0.1:9999\", token = ignored }"));
        Assert.Equal(new AdminSettings { Address = "127.0.0.1:9999", Token = "t0ken" }, settings.Admin);
    }

    [Fact]
    public void EnvironmentOverrideWithABadValue_NamesTheVariable() =>
        Assert.Equal(["PROXY__TIMEOUTS__IDLE: expected a duration like 10s, 250ms or 2m, got 'soon'"],
            Problems(Config(), ("PROXY__TIMEOUTS__IDLE", "soon")));

    /// <summary>Issue 22: every environment value is validated like the file's, and its mistake names the variable
    /// (with the path inside it when the variable sets a whole block), not the file.</summary>
    [Theory]
    [InlineData("PROXY__ADMIN__ADDRESS", "nowhere", "PROXY__ADMIN__ADDRESS: expected host:port, got 'nowhere'")]
    [InlineData("PROXY__ADMIN", "{ address = nowhere }", "PROXY__ADMIN (proxy.admin.address): expected host:port, got 'nowhere'")]
    [InlineData("PROXY__TIMEOUTS__REQUEST_HEAD", "10", "PROXY__TIMEOUTS__REQUEST_HEAD: '10' has no unit: add a unit: 10s, 10ms")]
    [InlineData("PROXY_DB_PROVIDER", "oracle", "PROXY_DB_PROVIDER: unknown provider 'oracle' (valid: sqlite, postgresql)")]
    public void AMistakeInAnEnvironmentValue_NamesTheVariable(string variable, string value, string expected) =>
        Assert.Equal([expected], Problems(Config(), (variable, value)));

    [Fact]
    public void EnvironmentOverrideThatIsNotValidHocon_NamesTheVariable() =>
        Assert.Equal(["proxy.listeners: environment variable PROXY__LISTENERS, line 1: '[' is never closed (end of text reached)"],
            Problems(Config(), ("PROXY__LISTENERS", "[ { name = a }")));

    [Fact]
    public void EnvironmentOverrideWithATypo_IsCaughtLikeOneInTheFile() =>
        Assert.Equal(["PROXY__TIMEOUTS__IDEL: unknown key 'idel'"], Problems(Config(), ("PROXY__TIMEOUTS__IDEL", "5s")));

    [Fact]
    public void EnvironmentVariablesWithoutTheDoubleUnderscorePrefix_AreNotOverrides() =>
        LoadValid(Config(), ("PROXY_ADMIN_TOKEN", "x"), ("PROXY_SEEDS", "a,b"), ("HOME", "/root"));

    [Fact]
    public void EnvironmentOverrides_ApplyEvenWithoutAProxySectionInTheFile()
    {
        var settings = LoadValid("akka.loglevel = INFO",
            ("PROXY__LISTENERS", "[ { name = a, address = \"127.0.0.1:0\" } ]"),
            ("PROXY__POOLS__API__BACKENDS", "[ \"127.0.0.1:9001\" ]"),
            ("PROXY__ROUTES", "[ { name = all, pool = api } ]"));
        Assert.Equal("all", Assert.Single(settings.Routes).Name);
    }

    [Fact]
    public void OptionalSubstitution_ResolvesFromTheGivenEnvironment() =>
        Assert.Equal("from-env", LoadValid(Config(extra: "admin { token = ${?PROXY_ADMIN_TOKEN} }"), ("PROXY_ADMIN_TOKEN", "from-env")).AdminToken);

    [Fact]
    public void UnsetOptionalSubstitution_LeavesTheKeyUnset() =>
        Assert.Null(LoadValid(Config(extra: "admin { token = ${?PROXY_ADMIN_TOKEN} }")).AdminToken);

    [Theory]
    [InlineData("admin { address = \"127.0.0.1:9111\", token = ${?NOT_SET} }")]
    [InlineData("admin { token = ${?NOT_SET}, address = \"127.0.0.1:9111\" }")]
    [InlineData("admin {\n    token = ${?NOT_SET}   # optional\n    address = \"127.0.0.1:9111\"\n  }")]
    public void UnsetOptionalSubstitution_NextToOtherKeys_LeavesThemIntact(string admin) =>
        Assert.Equal(new AdminSettings { Address = "127.0.0.1:9111" }, LoadValid(Config(extra: admin)).Admin);

    [Fact]
    public void AkkaSectionWithEnvironmentFallbacks_ResolvesForTheNode()
    {
        const string text = """
            akka {
              actor.provider = cluster
              remote.dot-netty.tcp {
                hostname = "127.0.0.1"
                hostname = ${?PROXY_HOSTNAME}
                port = 0
                port = ${?PROXY_PORT}
              }
            }
            """;
        var unset = Load(text + "\n" + Config());
        Assert.True(unset.IsValid, string.Join("\n", unset.Problems));
        Assert.Equal("127.0.0.1", unset.Hocon.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(0, unset.Hocon.GetInt("akka.remote.dot-netty.tcp.port"));

        var set = Load(text + "\n" + Config(), ("PROXY_HOSTNAME", "node-1.internal"), ("PROXY_PORT", "4053"));
        Assert.True(set.IsValid);
        Assert.Equal("node-1.internal", set.Hocon.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(4053, set.Hocon.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("cluster", set.Hocon.GetString("akka.actor.provider"));
    }

    [Fact]
    public void UnsetOptionalSubstitution_KeepsAnEarlierValue()
    {
        var text = Config(extra: "demo-backend = \"127.0.0.1:9000\"\n  demo-backend = ${?DEMO}");
        Assert.Equal("127.0.0.1:9000", LoadValid(text).DemoBackend);
        Assert.Equal("127.0.0.1:9999", LoadValid(text, ("DEMO", "127.0.0.1:9999")).DemoBackend);
    }

    [Fact]
    public void UnsetOptionalSubstitutionInAList_DropsThatElement()
    {
        var text = Config(pools: """api { backends = [ "127.0.0.1:9001", ${?EXTRA_BACKEND}, "127.0.0.1:9002" ] }""");
        Assert.Equal(["127.0.0.1:9001", "127.0.0.1:9002"], LoadValid(text).Pools["api"].Backends.Select(b => b.Address));
        Assert.Equal(["127.0.0.1:9001", "127.0.0.1:9009", "127.0.0.1:9002"],
            LoadValid(text, ("EXTRA_BACKEND", "127.0.0.1:9009")).Pools["api"].Backends.Select(b => b.Address));
    }

    [Fact]
    public void RequiredSubstitutionThatIsNotSet_IsAProblem() =>
        Assert.Equal(["config: test.hocon: Unresolved substitution: NOT_SET"],
            Problems(Config(extra: "admin { token = ${NOT_SET} }")));

    [Fact]
    public void SubstitutionOfAConfigPath_IsResolvedInsideTheFile() =>
        Assert.Equal("127.0.0.1:9001",
            LoadValid("backend = \"127.0.0.1:9001\"\n" + Config(pools: "api { backends = [ ${backend} ] }")).Pools["api"].Backends[0].Address);

    [Fact]
    public void SubstitutedValuesAreQuoted_SoSpecialCharactersSurvive() =>
        Assert.Equal("a\"b\\c // not a comment #",
            LoadValid(Config(extra: "admin { token = ${?TOKEN} }"), ("TOKEN", "a\"b\\c // not a comment #")).AdminToken);

    [Fact]
    public void ProcessEnvironment_IsUsedOnlyWhenPassedIn()
    {
        var name = $"PROXY_CONFIG_TEST_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(name, "process");
        try
        {
            var text = Config(extra: $"admin {{ token = ${{?{name}}} }}");
            Assert.Null(LoadValid(text).AdminToken);
            Assert.Equal("process", LoadValid(text, ProxyConfigLoader.ProcessEnvironment().Select(e => (e.Key, e.Value)).ToArray()).AdminToken);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }
}
