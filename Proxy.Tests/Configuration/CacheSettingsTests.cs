using Proxy.Shared.Caching;
using Xunit;
using static Proxy.Tests.Configuration.ConfigTesting;

namespace Proxy.Tests.Configuration;

/// <summary>Issue 15 (E5): a route's <c>cache { … }</c> and <c>proxy.defaults.cache</c> — how they bind, what a route
/// inherits, and every mistake with its path.</summary>
public sealed class CacheSettingsTests
{
    [Fact]
    public void WithoutACacheBlock_NoRouteCaches()
    {
        var settings = LoadValid(Config());
        Assert.Null(Assert.Single(settings.Routes).Middleware.Cache);
    }

    [Fact]
    public void AnEmptyBlock_HasTheDefaults_AndEveryKeyBinds()
    {
        var settings = LoadValid(Config(routes: """
            [
              { name = plain, pool = api, cache { } }
              { name = tuned, pool = api, match { path-prefix = "/t/" },
                cache { max-memory = 64m, max-object = 1m, default-ttl = 30s, key = [ method, scheme, host, path ], store-set-cookie = on,
                        stale-if-error = 5m, local-copies = off, stale-while-revalidate = off } }
            ]
            """));
        Assert.Equal(CacheSettings.Default, settings.Routes[0].Middleware.Cache);
        var tuned = settings.Routes[1].Middleware.Cache!;
        Assert.Equal(64L * 1024 * 1024, tuned.MaxMemoryBytes);
        Assert.Equal(1024L * 1024, tuned.MaxObjectBytes);
        Assert.Equal(TimeSpan.FromSeconds(30), tuned.DefaultTtl);
        Assert.Equal([CacheKeyPart.Method, CacheKeyPart.Scheme, CacheKeyPart.Host, CacheKeyPart.Path], tuned.Key);
        Assert.True(tuned.StoreSetCookie);
        Assert.Equal(TimeSpan.FromMinutes(5), tuned.StaleIfError);
        Assert.False(tuned.LocalCopies);
        Assert.False(tuned.StaleWhileRevalidate);
        Assert.True(settings.Routes[0].Middleware.Cache!.StaleWhileRevalidate);
        Assert.True(settings.Routes[0].Middleware.Cache!.LocalCopies);
    }

    [Fact]
    public void RoutesInheritTheDefaultsCache_AndOneTurnsItOff()
    {
        var settings = LoadValid(Config(
            routes: """
                [
                  { name = a, pool = api }
                  { name = b, pool = api, match { path-prefix = "/b/" }, cache { enabled = off } }
                ]
                """,
            extra: "defaults { cache { default-ttl = 5s } }"));
        Assert.Same(settings.Defaults.Cache, settings.Routes[0].Middleware.Cache);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Routes[0].Middleware.Cache!.DefaultTtl);
        Assert.False(settings.Routes[1].Middleware.Cache!.Enabled);
    }

    [Theory]
    [InlineData("cache { key = [ host, fragment ] }", "proxy.routes[0].cache.key[1]: unknown key part 'fragment'")]
    [InlineData("cache { key = [ ] }", "proxy.routes[0].cache.key: empty")]
    [InlineData("cache { max-memory = 0 }", "proxy.routes[0].cache.max-memory: must be more than 0")]
    [InlineData("cache { max-memory = 1m, max-object = 2m }", "proxy.routes[0].cache.max-object: larger than max-memory")]
    [InlineData("cache { default-ttl = soon }", "proxy.routes[0].cache.default-ttl")]
    [InlineData("cache { max-size = 1m }", "proxy.routes[0].cache.max-size")]
    [InlineData("cache { stale-if-error = -1s }", "proxy.routes[0].cache.stale-if-error")]
    [InlineData("cache = on", "proxy.routes[0].cache")]
    [InlineData("cache { local-copies = some }", "proxy.routes[0].cache.local-copies")]
    [InlineData("cache { stale-while-revalidate = 30s }", "proxy.routes[0].cache.stale-while-revalidate")]
    [InlineData("cache { purge-token = \"\" }", "proxy.routes[0].cache.purge-token: empty")]
    [InlineData("cache { warm = [ \"index.html\" ] }", "proxy.routes[0].cache.warm[0]: not a path or URL: 'index.html'")]
    [InlineData("cache { warm = [ \"ftp://files.example/a\" ] }", "proxy.routes[0].cache.warm[0]: not a path or URL")]
    [InlineData("cache { warm = [ \"http://shop.example/\", \"/a\" ] }", "proxy.routes[0].cache.warm[1]: '/a' names no host and the route matches no exact host")]
    [InlineData("match { host = \"*.shop.example\" }, cache { warm = [ \"/a\" ] }", "proxy.routes[0].cache.warm[0]: '/a' names no host")]
    public void AMistake_IsReportedAtItsPath(string routeBody, string expected) =>
        HasProblemStartingWith(expected, Problems(Config(routes: $"[ {{ name = r, pool = api, {routeBody} }} ]")));

    [Fact]
    public void AMistakeInTheDefaults_IsReportedAtTheDefaultsPath() =>
        HasProblemStartingWith("proxy.defaults.cache.max-object: larger than max-memory",
            Problems(Config(extra: "defaults { cache { max-memory = 1k, max-object = 2k } }")));

    [Fact]
    public void AWarmList_Binds_AndItsPathsTakeTheRoutesExactHosts()
    {
        var settings = LoadValid(Config(routes: """
            [ { name = shop, pool = api, match { host = [ "shop.example", "*.cdn.example" ] },
                cache { warm = [ "/", "/index.html?v=2", "https://other.example:8443/x" ] } } ]
            """));
        Assert.Equal(
            [new CacheWarmTarget(false, "shop.example", "/"), new CacheWarmTarget(false, "shop.example", "/index.html?v=2"),
             new CacheWarmTarget(true, "other.example:8443", "/x")],
            CacheWarmTarget.For(settings.Routes[0]));
    }

    [Fact]
    public void TheCacheCluster_IsOnByDefault_AndEveryKeyBinds()
    {
        var defaults = LoadValid(Config()).CacheCluster;
        Assert.Equal((true, null, TimeSpan.FromSeconds(5)), (defaults.Enabled, defaults.Address, defaults.OwnerTimeout));
        var set = LoadValid(Config(extra: "cache-cluster { enabled = off, address = \"10.0.0.5:7070\", owner-timeout = 750ms }")).CacheCluster;
        Assert.Equal((false, "10.0.0.5:7070", TimeSpan.FromMilliseconds(750)), (set.Enabled, set.Address, set.OwnerTimeout));
    }

    [Theory]
    [InlineData("cache-cluster { address = \"nowhere\" }", "proxy.cache-cluster.address: 'nowhere' is not host:port")]
    [InlineData("cache-cluster { owner-timeout = 0s }", "proxy.cache-cluster.owner-timeout: must be above 0")]
    [InlineData("cache-cluster { owner-timeout = later }", "proxy.cache-cluster.owner-timeout")]
    [InlineData("cache-cluster { enabled = maybe }", "proxy.cache-cluster.enabled")]
    [InlineData("cache-cluster { owners = 3 }", "proxy.cache-cluster.owners")]
    [InlineData("cache-cluster = on", "proxy.cache-cluster")]
    public void ACacheClusterMistake_IsReportedAtItsPath(string body, string expected) =>
        HasProblemStartingWith(expected, Problems(Config(extra: body)));

    private static void HasProblemStartingWith(string expected, IReadOnlyCollection<string> problems) =>
        Assert.True(problems.Any(p => p.StartsWith(expected, StringComparison.Ordinal)),
            $"expected a problem starting with:\n  {expected}\ngot:\n  {string.Join("\n  ", problems)}");
}
