using Proxy.Shared.Configuration;
using Xunit;
using static Proxy.Tests.Configuration.ConfigTesting;

namespace Proxy.Tests.Forwarding;

public sealed class ForwardSettingsTests
{
    private const string ForwardListener = """[ { name = fwd, address = "127.0.0.1:0", mode = forward, allow-targets = [ "127.0.0.0/8" ], deny-upstreams = [ "*.blocked.test" ] } ]""";

    [Fact]
    public void ForwardBlockAndGuardLists_AreBound()
    {
        var settings = LoadValid(Config(listeners: ForwardListener, extra: """
            forward {
              header = X-Upstream
              default-upstream = "http://u:p@127.0.0.1:3128"
              timeouts { connect = 1s, response = 5s }
              retries { attempts = 2, statuses = [502] }
              connections { max-per-backend = 16, idle-timeout = 10s }
              max-upstreams = 8
            }
            """));
        var forward = settings.Forward;
        Assert.Equal("X-Upstream", forward.Header);
        Assert.Equal("http://u:p@127.0.0.1:3128", forward.DefaultUpstream);
        Assert.Equal(TimeSpan.FromSeconds(5), forward.Timeouts.Response);
        Assert.Equal([502], forward.Retries.Statuses);
        Assert.Equal(16, forward.Connections.MaxPerBackend);
        Assert.Equal(8, forward.MaxUpstreams);
        Assert.Equal(["127.0.0.0/8"], settings.Listeners[0].Guard.AllowTargets);
        Assert.Equal(["*.blocked.test"], settings.Listeners[0].Guard.DenyUpstreams);
    }

    [Fact]
    public void ResolveTargets_IsUpstreamByDefault_AndLocalWhenSet()
    {
        var bound = LoadValid(Config(listeners: """[ { name = fwd, address = "127.0.0.1:0", mode = forward, resolve-targets = local } ]"""));
        Assert.Equal(TargetResolution.Local, bound.Listeners[0].Guard.ResolveTargets);
        Assert.Equal(TargetResolution.Upstream, LoadValid(Config(listeners: ForwardListener)).Listeners[0].Guard.ResolveTargets);
    }

    [Fact]
    public void Defaults_AreXProxyTo_NoDefaultUpstream()
    {
        var forward = LoadValid(Config()).Forward;
        Assert.Equal("X-Proxy-To", forward.Header);
        Assert.Null(forward.DefaultUpstream);
    }

    [Theory]
    [InlineData("forward { header = \"X Proxy\" }", "proxy.forward.header: 'X Proxy' is not a valid header name")]
    [InlineData("forward { default-upstream = \"https://u:hunter2@p:3128\" }", "proxy.forward.default-upstream: the value has scheme 'https'; only http:// upstream proxies are supported")]
    [InlineData("forward { default-upstream = \"u:hunter2@p\" }", "proxy.forward.default-upstream: the value has an invalid host:port: expected host:port, got 'p'")]
    [InlineData("forward { max-upstreams = 0 }", "proxy.forward.max-upstreams: must be at least 1, got 0")]
    [InlineData("forward { retries { attempts = -1 } }", "proxy.forward.retries.attempts: must be at least 0, got -1")]
    [InlineData("forward { bogus = 1 }", "proxy.forward.bogus: unknown key 'bogus'")]
    public void BadForwardValues_AreReportedAtTheirPath_WithoutThePassword(string extra, string expected)
    {
        var problems = Problems(Config(listeners: ForwardListener, extra: extra));
        Assert.Equal([expected], problems);
        Assert.DoesNotContain("hunter2", string.Join("\n", problems));
    }

    [Theory]
    [InlineData("""[ { name = fwd, address = "127.0.0.1:0", mode = forward, allow-targets = [ "10.0.0.1/8" ] } ]""", "proxy.listeners[0].allow-targets[0]")]
    [InlineData("""[ { name = fwd, address = "127.0.0.1:0", mode = forward, deny-upstreams = [ "a b" ] } ]""", "proxy.listeners[0].deny-upstreams[0]")]
    [InlineData("""[ { name = pub, address = "127.0.0.1:0", allow-targets = [ "10.0.0.0/8" ] } ]""", "proxy.listeners[0].allow-targets: only forward listeners")]
    [InlineData("""[ { name = pub, address = "127.0.0.1:0", resolve-targets = local } ]""", "proxy.listeners[0].resolve-targets: only forward listeners")]
    [InlineData("""[ { name = fwd, address = "127.0.0.1:0", mode = forward, resolve-targets = here } ]""", "proxy.listeners[0].resolve-targets")]
    public void BadGuardEntries_AreReportedAtTheirIndex(string listeners, string expected)
    {
        var problems = Problems(Config(listeners: listeners));
        Assert.Single(problems);
        Assert.StartsWith(expected, problems[0]);
    }
}

public sealed class TcpRouteSettingsTests
{
    [Fact]
    public void TcpRoutes_AreBound()
    {
        var settings = LoadValid(Config(extra: """tcp-routes = [ { name = pg, listen = "127.0.0.1:15432", pool = api, idle-timeout = 30s } ]"""));
        Assert.Equal(new TcpRouteSettings { Name = "pg", Listen = "127.0.0.1:15432", Pool = "api", IdleTimeout = TimeSpan.FromSeconds(30) },
            settings.TcpRoutes.Single());
    }

    [Theory]
    [InlineData("""{ listen = "127.0.0.1:1", pool = api }""", "proxy.tcp-routes[0].name: missing name")]
    [InlineData("""{ name = x, pool = api }""", "proxy.tcp-routes[0].listen: missing listen address")]
    [InlineData("""{ name = x, listen = "127.0.0.1:1", pool = nope }""", "proxy.tcp-routes[0].pool: no pool named 'nope'")]
    [InlineData("""{ name = x, listen = "127.0.0.1:9110", pool = api }""", "proxy.tcp-routes[0].listen: address '127.0.0.1:9110' is already used by a listener, the admin listener or another tcp route")]
    [InlineData("""{ name = x, listen = "127.0.0.1:1", pool = api, idle-timeout = 0s }""", "proxy.tcp-routes[0].idle-timeout: must be greater than 0")]
    [InlineData("""{ name = x, listen = "127.0.0.1:1", pool = api, bogus = 1 }""", "proxy.tcp-routes[0].bogus: unknown key 'bogus'")]
    public void BadTcpRoutes_AreReportedAtTheirPath(string route, string expected) =>
        Assert.Equal([expected], Problems(Config(extra: $"tcp-routes = [ {route} ]")));
}

public sealed class TlsSettingsTests
{
    [Fact]
    public void TlsBlock_IsBound()
    {
        var listener = LoadValid(Config(listeners: """[ { name = s, address = "127.0.0.1:0", tls { reload-interval = 5s, certificates = [ { cert = "a.pem", key = "a.key", names = [ "a.test", "*.a.test" ] }, { cert = "b.pem", key = "b.key" } ] } } ]""")).Listeners[0];
        Assert.Equal(new TlsSettings
        {
            ReloadInterval = TimeSpan.FromSeconds(5),
            Certificates =
            [
                new CertificateSettings { Cert = "a.pem", Key = "a.key", Names = ["a.test", "*.a.test"] },
                new CertificateSettings { Cert = "b.pem", Key = "b.key" },
            ],
        }, listener.Tls);
    }

    [Theory]
    [InlineData("tls { certificates = [ ] }", "proxy.listeners[0].tls.certificates: no certificates")]
    [InlineData("tls { certificates = [ { cert = \"a.pem\" } ] }", "proxy.listeners[0].tls.certificates[0].key: missing PEM file path")]
    [InlineData("tls { reload-interval = 10ms, certificates = [ { cert = a, key = b } ] }", "proxy.listeners[0].tls.reload-interval: must be at least 100ms")]
    [InlineData("tls { certificates = [ { cert = a, key = b, passphrase = x } ] }", "proxy.listeners[0].tls.certificates[0].passphrase: unknown key 'passphrase'")]
    public void BadTlsBlocks_AreReportedAtTheirPath(string tls, string expected)
    {
        var problems = Problems(Config(listeners: $$"""[ { name = s, address = "127.0.0.1:0", {{tls}} } ]"""));
        Assert.Single(problems);
        Assert.StartsWith(expected, problems[0]);
    }

    [Fact]
    public void HttpsBackends_AndThePoolsTlsBlock_AreBound()
    {
        var pool = LoadValid(Config(pools: """api { backends = [ "https://10.0.0.1:8443", "http://10.0.0.2:80" ], tls { ca-file = "ca.pem", server-name = "api.internal", verify = on } }""")).Pools["api"];
        Assert.True(pool.Backends[0].Tls);
        Assert.Equal("10.0.0.1:8443", pool.Backends[0].Address);
        Assert.False(pool.Backends[1].Tls);
        Assert.Equal(new UpstreamTlsSettings { CaFile = "ca.pem", ServerName = "api.internal", Verify = true }, pool.Tls);
    }

    [Fact]
    public void ATcpRouteToAPoolOfHttpsBackends_IsRefused() =>
        Assert.Equal(["proxy.tcp-routes[0].pool: pool 'api' has https:// backends; a TCP route splices bytes and cannot speak TLS to them"],
            Problems(Config(pools: """api { backends = [ "https://10.0.0.1:8443" ] }""",
                extra: """tcp-routes = [ { name = t, listen = "127.0.0.1:0", pool = api } ]""")));
}
