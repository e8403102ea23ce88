using Proxy.Shared.RateLimiting;
using Xunit;
using static Proxy.Tests.Configuration.ConfigTesting;

namespace Proxy.Tests.RateLimiting;

public sealed class RateLimitSettingsTests
{
    [Fact]
    public void ALimit_IsBoundWithEveryField()
    {
        var limit = LoadValid(Config(extra: """
            redis = "127.0.0.1:6379"
            rate-limits = [ { name = per-user, key = [ "header:X-User", route ], rate = "6000/min", burst = 50, store = redis,
                              routes = [ default ], per-route = on, on-store-failure = deny, quota = "100000/day", api-key-header = X-Key } ]
            """)).RateLimits.Single();
        Assert.Equal(new RateLimitSettings
        {
            Name = "per-user",
            Key = [new(RateLimitKeyKind.Header, "X-User"), new(RateLimitKeyKind.Route)],
            Rate = new RateSpec(6000, TimeSpan.FromMinutes(1)),
            Burst = 50,
            Store = RateLimitStore.Redis,
            Routes = ["default"],
            PerRoute = true,
            OnStoreFailure = StoreFailureMode.Deny,
            Quota = new RateSpec(100000, TimeSpan.FromDays(1)),
            ApiKeyHeader = "X-Key",
        }, limit);
    }

    [Fact]
    public void Defaults_AreClientIp_OnePeriodsBurst_ClusterStore_AllowOnFailure()
    {
        var limit = LoadValid(Config(extra: """rate-limits = [ { name = l, rate = "20/s" } ]""")).RateLimits.Single();
        Assert.Equal([new RateLimitKeyPart(RateLimitKeyKind.ClientIp)], limit.Key);
        Assert.Equal(20, limit.Burst);
        Assert.Equal(RateLimitStore.Cluster, limit.Store);
        Assert.Equal(StoreFailureMode.Allow, limit.OnStoreFailure);
        Assert.Empty(limit.Routes);
    }

    [Theory]
    [InlineData("{ name = l }", "proxy.rate-limits[0].rate: missing, e.g. \"100/s\" or \"6000/min\"")]
    [InlineData("{ name = l, rate = \"5/week\" }", "proxy.rate-limits[0].rate: unknown unit in '5/week' (use s, min, h, day or month)")]
    [InlineData("{ name = l, rate = \"5/s\", key = cookie }", "proxy.rate-limits[0].key: unknown key part 'cookie' (use client-ip, header:NAME, route, api-key, or a list of them)")]
    [InlineData("{ name = l, rate = \"5/s\", burst = 0 }", "proxy.rate-limits[0].burst: must be at least 1, got 0")]
    [InlineData("{ name = l, rate = \"5/s\", routes = [ nope ] }", "proxy.rate-limits[0].routes[0]: no route named 'nope'")]
    [InlineData("{ name = l, rate = \"5/s\", store = memcached }", "proxy.rate-limits[0].store: unknown store 'memcached' (valid: cluster, redis)")]
    [InlineData("{ name = l, rate = \"5/s\", on-store-failure = maybe }", "proxy.rate-limits[0].on-store-failure: unknown on-store-failure 'maybe' (valid: allow, deny)")]
    [InlineData("{ name = l, rate = \"5/s\", quota = \"100/h\" }", "proxy.rate-limits[0].quota: a quota is per day or per month (got 100/h); use rate for shorter windows")]
    [InlineData("{ rate = \"5/s\" }", "proxy.rate-limits[0].name: missing name")]
    [InlineData("{ name = l, rate = \"5/s\", store = redis }", "proxy.rate-limits[0].store: store = redis needs proxy.redis (or PROXY_REDIS), e.g. \"127.0.0.1:6379\"")]
    public void BadLimits_AreReportedAtTheirPath(string limit, string expected) =>
        Assert.Equal([expected], Problems(Config(extra: $"rate-limits = [ {limit} ]")));
}
