using Proxy.Shared.Caching;
using Xunit;

namespace Proxy.Tests.Caching;

/// <summary>Cache-Status field values (RFC 9211).</summary>
public sealed class CacheStatusTests
{
    [Fact]
    public void AHit_ReportsItsRemainingTtl() => Assert.Equal("edge; hit; ttl=376", CacheStatus.Hit("edge", TimeSpan.FromSeconds(376.9)));

    [Theory]
    [InlineData(CacheForward.Miss, "proxy; fwd=miss")]
    [InlineData(CacheForward.UriMiss, "proxy; fwd=uri-miss")]
    [InlineData(CacheForward.VaryMiss, "proxy; fwd=vary-miss")]
    [InlineData(CacheForward.Stale, "proxy; fwd=stale")]
    [InlineData(CacheForward.Request, "proxy; fwd=request")]
    [InlineData(CacheForward.Bypass, "proxy; fwd=bypass")]
    public void EachForwardReason_HasItsToken(CacheForward reason, string expected)
        => Assert.Equal(expected, CacheStatus.Forward("proxy", reason, stored: false));

    [Fact]
    public void AForward_ListsStatusStoredTtlAndDetailInOrder()
        => Assert.Equal("proxy; fwd=uri-miss; fwd-status=200; stored; ttl=60; detail=fill",
            CacheStatus.Forward("proxy", CacheForward.UriMiss, stored: true, forwardStatus: 200, ttl: TimeSpan.FromSeconds(60), detail: "fill"));

    [Fact]
    public void ARevalidation_ReportsTheUpstream304()
        => Assert.Equal("proxy; fwd=stale; fwd-status=304; stored",
            CacheStatus.Forward("proxy", CacheForward.Stale, stored: true, forwardStatus: 304));

    [Fact]
    public void AStaleResponse_HasANegativeTtl()
        => Assert.Equal("proxy; hit; ttl=-5", CacheStatus.Hit("proxy", TimeSpan.FromSeconds(-4.5)));

    [Fact]
    public void ADetailThatIsNotAToken_IsQuoted()
        => Assert.Equal("proxy; fwd=bypass; detail=\"no store: \\\"private\\\"\"",
            CacheStatus.Forward("proxy", CacheForward.Bypass, stored: false, detail: "no store: \"private\""));

    [Theory]
    [InlineData("Example Cache", "\"Example Cache\"")]
    [InlineData("1cache", "\"1cache\"")] // an sf-token starts with a letter or '*'
    [InlineData("cdn.example:8080/edge", "cdn.example:8080/edge")]
    [InlineData("", "\"\"")]
    [InlineData("caché", "\"cach?\"")]
    public void ACacheNameThatIsNotAToken_IsQuoted(string name, string expected)
        => Assert.Equal(expected + "; hit; ttl=1", CacheStatus.Hit(name, TimeSpan.FromSeconds(1)));
}
