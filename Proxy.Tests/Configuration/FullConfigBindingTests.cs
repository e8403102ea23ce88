using Xunit;
using Proxy.Shared.Configuration;

namespace Proxy.Tests.Configuration;

public class FullConfigBindingTests
{
    private const string Full = """
        akka.loglevel = INFO
        proxy {
          listeners = [
            { name = public,  address = "0.0.0.0:8080", mode = reverse, max-connections = 5000 }
            { name = forward, address = "127.0.0.1:8081", mode = forward }
            { name = secure,  address = "0.0.0.0:8443", mode = reverse,
              tls { certificates = [ { cert = "certs/site.pem", key = "certs/site.key" } ] } }
          ]
          admin { address = "127.0.0.1:9200", token = ${?PROXY_ADMIN_TOKEN} }
          access-log { enabled = off, target = "/var/log/proxy/access.log" }
          limits { max-head-size = 32k, max-headers = 50, max-uri-size = 4KiB, max-body-size = 10MB }
          timeouts { request-head = 5s, idle = 2m, client-send = 20s }
          shutdown { drain-delay = 2s, timeout = 30s }
          demo-backend = "127.0.0.1:9000"
          forwarded-header = on
          pools {
            api {
              policy = consistent-hash
              backends = [ "127.0.0.1:9001", { address = "http://127.0.0.1:9002", weight = 2 }, "[::1]:9003" ]
              health  { path = "/healthz", interval = 2s, timeout = 1s, healthy = 2, unhealthy = 3 }
              breaker { failures = 5, open-for = 10s, half-open-trials = 3 }
              hash-key { header = X-User }
              timeouts { connect = 1s, response = 15s, send = 10s }
              retries { attempts = 3, statuses = [502, 503], budget = 20%, backoff = 50ms, non-idempotent = on }
              limits { max-head-size = 16k, max-headers = 40 }
              connections { max-per-backend = 256, idle-timeout = 30s }
            }
            static {
              policy = random
              backends = [ "static.internal:80" ]
              retries { budget = 0.5 }
            }
          }
          routes = [
            { name = api, match { host = "api.example.com", path-prefix = "/v1/" }, pool = api,
              transforms { strip-prefix = "/v1" } }
            { name = admin-ui
              match {
                host = [ "Admin.Example.com", "*.admin.example.com" ]
                path-regex = "^/ui/[a-z]+$"
                methods = [ get, POST ]
                headers { X-Api-Version = "2", X-Debug = null }
                query { preview = "1" }
              }
              pool = static
            }
            { name = exact, match { path = "/health", method = GET }, pool = static, retries { non-idempotent = off } }
            { name = default, pool = api }
          ]
          rate-limits = [ { name = per-ip, key = client-ip, rate = "100/s", burst = 200, store = cluster, routes = [api] } ]
          tcp-routes = [ ]
          forward { header = X-Upstream-Proxy, default-upstream = "http://u:p@127.0.0.1:3128" }
        }
        """;

    private static ProxySettings Settings() => ConfigTesting.LoadValid(Full, ("PROXY_ADMIN_TOKEN", "s3cret"));

    [Fact]
    public void ListenersAreBoundInOrderWithModeAndMaxConnections()
    {
        var listeners = Settings().Listeners;
        Assert.Equal(3, listeners.Count);
        Assert.Equal(new ListenerSettings { Name = "public", Address = "0.0.0.0:8080", Mode = ListenerMode.Reverse, MaxConnections = 5000 }, listeners[0]);
        Assert.Equal(new ListenerSettings { Name = "forward", Address = "127.0.0.1:8081", Mode = ListenerMode.Forward }, listeners[1]);
        Assert.Equal("secure", listeners[2].Name);
        Assert.Equal(20_000, listeners[1].MaxConnections);
    }

    [Fact]
    public void AdminTokenComesFromTheEnvironmentSubstitution()
    {
        var settings = Settings();
        Assert.Equal("127.0.0.1:9200", settings.Admin.Address);
        Assert.Equal("s3cret", settings.Admin.Token);
        Assert.Equal("s3cret", settings.AdminToken);
    }

    [Fact]
    public void TopLevelScalarsAndBlocksAreBound()
    {
        var settings = Settings();
        Assert.Equal(new AccessLogSettings { Enabled = false, Target = "/var/log/proxy/access.log" }, settings.AccessLog);
        Assert.Equal(new LimitsSettings { MaxHeadBytes = 32 * 1024, MaxHeaders = 50, MaxUriBytes = 4096, MaxBodyBytes = 10_000_000 }, settings.Limits);
        Assert.Equal(new TimeoutSettings
        {
            RequestHead = TimeSpan.FromSeconds(5), Idle = TimeSpan.FromMinutes(2), ClientSend = TimeSpan.FromSeconds(20),
        }, settings.Timeouts);
        Assert.Equal(new ShutdownSettings { DrainDelay = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(30) }, settings.Shutdown);
        Assert.Equal("127.0.0.1:9000", settings.DemoBackend);
        Assert.True(settings.AddForwardedHeader);
    }

    [Fact]
    public void PoolIsBoundWithEveryField()
    {
        var api = Settings().Pools["api"];
        Assert.Equal("api", api.Name);
        Assert.Equal(LoadBalancingPolicyKind.ConsistentHash, api.Policy);
        Assert.Equal(
            [
                new BackendSettings { Address = "127.0.0.1:9001", Host = "127.0.0.1", Port = 9001, Weight = 1 },
                new BackendSettings { Address = "127.0.0.1:9002", Host = "127.0.0.1", Port = 9002, Weight = 2 },
                new BackendSettings { Address = "[::1]:9003", Host = "::1", Port = 9003, Weight = 1 },
            ],
            api.Backends);
        Assert.Equal(new PoolTimeouts
        {
            Connect = TimeSpan.FromSeconds(1), Response = TimeSpan.FromSeconds(15), Send = TimeSpan.FromSeconds(10),
        }, api.Timeouts);
        Assert.True(api.Retries.NonIdempotent);
        Assert.Equal(new ResponseLimitSettings { MaxHeadBytes = 16 * 1024, MaxHeaders = 40 }, api.Limits);
        Assert.Equal(3, api.Retries.Attempts);
        Assert.Equal([502, 503], api.Retries.Statuses);
        Assert.Equal(0.2, api.Retries.Budget, 6);
        Assert.Equal(TimeSpan.FromMilliseconds(50), api.Retries.BackoffBase);
        Assert.Equal(new UpstreamConnectionSettings { MaxPerBackend = 256, IdleTimeout = TimeSpan.FromSeconds(30) }, api.Connections);
        Assert.Equal(new HealthCheckSettings
        {
            Path = "/healthz", Interval = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(1), Healthy = 2, Unhealthy = 3,
        }, api.Health);
        Assert.Equal(new BreakerSettings { Failures = 5, OpenFor = TimeSpan.FromSeconds(10), HalfOpenTrials = 3 }, api.Breaker);
        Assert.Equal(new HashKeySettings { Source = HashKeySource.Header, Name = "X-User" }, api.HashKey);
        Assert.False(api.Outlier.Enabled);
    }

    [Fact]
    public void PoolFieldsLeftOutKeepTheirDefaults()
    {
        var pool = Settings().Pools["static"];
        Assert.Equal(LoadBalancingPolicyKind.Random, pool.Policy);
        Assert.Equal(0.5, pool.Retries.Budget, 6);
        Assert.Equal(new RetrySettings().Attempts, pool.Retries.Attempts);
        Assert.Equal(new PoolTimeouts(), pool.Timeouts);
        Assert.False(pool.Retries.NonIdempotent);
        Assert.Equal(new ResponseLimitSettings(), pool.Limits);
        Assert.Equal(new UpstreamConnectionSettings(), pool.Connections);
        Assert.Null(pool.Health);
        Assert.Equal(new BreakerSettings(), pool.Breaker);
        Assert.Equal(new HashKeySettings(), pool.HashKey);
    }

    [Fact]
    public void RoutesAreBoundInOrderWithTheirMatchConditions()
    {
        var routes = Settings().Routes;
        Assert.Equal(["api", "admin-ui", "exact", "default"], routes.Select(r => r.Name));
        Assert.Equal(["api", "static", "static", "api"], routes.Select(r => r.Pool));

        Assert.Equal(["api.example.com"], routes[0].Match.Hosts);
        Assert.Equal("/v1/", routes[0].Match.PathPrefix);

        var m = routes[1].Match;
        Assert.Equal(["admin.example.com", "*.admin.example.com"], m.Hosts);
        Assert.Equal("^/ui/[a-z]+$", m.PathRegex);
        Assert.Equal(["GET", "POST"], m.Methods);
        Assert.Equal(new Dictionary<string, string?> { ["X-Api-Version"] = "2", ["X-Debug"] = null }, m.Headers);
        Assert.Equal(new Dictionary<string, string?> { ["preview"] = "1" }, m.Query);

        Assert.Equal("/health", routes[2].Match.Path);
        Assert.Equal(["GET"], routes[2].Match.Methods);
        Assert.False(routes[2].RetryNonIdempotent);
        Assert.Null(routes[0].RetryNonIdempotent);
    }

    [Fact]
    public void RouteWithoutMatchMatchesEverything()
    {
        var route = Settings().Routes[3];
        Assert.Equal(new RouteMatch().Hosts, route.Match.Hosts);
        Assert.Null(route.Match.Path);
        Assert.Null(route.Match.PathPrefix);
        Assert.Null(route.Match.PathRegex);
        Assert.Empty(route.Match.Methods);
        Assert.Empty(route.Match.Headers);
        Assert.Empty(route.Match.Query);
    }

    [Fact]
    public void TheFullHoconIncludingTheAkkaSectionIsKeptForTheNode()
    {
        var result = ConfigTesting.Load(Full, ("PROXY_ADMIN_TOKEN", "s3cret"));
        Assert.True(result.IsValid);
        Assert.Equal("INFO", result.Hocon.GetString("akka.loglevel"));
    }
}
