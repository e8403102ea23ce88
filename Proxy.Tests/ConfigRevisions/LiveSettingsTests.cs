using Proxy.Shared.Configuration;
using Proxy.Shared.ConfigRevisions;
using Xunit;

namespace Proxy.Tests.ConfigRevisions;

public class LiveSettingsTests
{
    private const string Base = """
        proxy {
          listeners = [ { name = public, address = "127.0.0.1:8080" } ]
          pools { api { backends = [ "127.0.0.1:9001" ] } }
          routes = [ { name = r, pool = api } ]
        }
        """;

    private static Akka.Configuration.Config Load(string text, Dictionary<string, string?>? env = null)
    {
        var loaded = ProxyConfigLoader.LoadText(text, env ?? new Dictionary<string, string?>());
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems));
        return loaded.Hocon;
    }

    [Fact]
    public void ListenersPoolsRoutesDefaultsLimitsAndTimeouts_ChangeLive()
    {
        var next = Base.Replace("8080", "8081").Replace("9001", "9002").Replace("name = r,", "name = r2,") + "\n" + """
            proxy { timeouts { idle = 5s }, limits { max-headers = 50 }, forwarded-header = on, defaults { security-headers = on } }
            """;
        Assert.Empty(LiveSettings.RestartNeeded(Load(Base), Load(next)));
    }

    [Fact]
    public void TheSameText_NeedsNothing_EvenWithDefaultsLeftOut()
    {
        Assert.Empty(LiveSettings.RestartNeeded(Load(Base), Load(Base)));
        Assert.Empty(LiveSettings.RestartNeeded(Load(Base), Load(Base + "\nproxy.metrics.enabled = on")));
    }

    [Fact]
    public void EveryOtherChange_IsNamedByItsPath()
    {
        var next = Base.Replace("8080", "8081") + "\n" + """
            proxy { admin.address = "127.0.0.1:9111", tracing.sample-ratio = 0.5, persistence.provider = sqlite, data-dir = elsewhere }
            akka.cluster.roles = [ x ]
            """;
        var problems = LiveSettings.RestartNeeded(Load(Base), Load(next)).ToDictionary(p => p.Path, p => p.Message);
        Assert.Equal(["akka.cluster", "proxy.admin", "proxy.data-dir", "proxy.persistence", "proxy.tracing"],
            problems.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("cluster's own settings", problems["akka.cluster"]);
        Assert.Contains("cluster's own settings", problems["proxy.data-dir"]);
        Assert.Contains("restart", problems["proxy.admin"]);
    }

    [Fact]
    public void AHelperObjectOutsideProxy_CountsOnlyThroughWhatItChangesInProxy()
    {
        const string text = """
            addresses { backend = "127.0.0.1:9001", listen = "127.0.0.1:8080" }
            proxy {
              listeners = [ { name = public, address = ${addresses.listen} } ]
              pools { api { backends = [ ${addresses.backend} ] } }
              routes = [ { name = r, pool = api } ]
            }
            """;
        Assert.Empty(LiveSettings.RestartNeeded(Load(text), Load(text.Replace("9001", "9002"))));
        Assert.Empty(LiveSettings.RestartNeeded(Load(text), Load(text.Replace("8080", "8081")))); // listeners are live too
    }

    [Fact]
    public void TheEnvironment_IsPartOfWhatIsCompared_SoPerNodeValuesStayEqual()
    {
        var text = Base + "\nproxy.admin.address = ${?ADMIN}";
        var env = new Dictionary<string, string?> { ["ADMIN"] = "127.0.0.1:8088" };
        Assert.Empty(LiveSettings.RestartNeeded(Load(text, env), Load(text, env)));
        var other = new Dictionary<string, string?> { ["ADMIN"] = "127.0.0.1:8089" };
        Assert.Equal("proxy.admin", Assert.Single(LiveSettings.RestartNeeded(Load(text, env), Load(text, other))).Path);
    }
}
