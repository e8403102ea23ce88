using Proxy.Shared.Caching;
using Xunit;
using static Proxy.Tests.Caching.CacheMessages;

namespace Proxy.Tests.Caching;

/// <summary>Primary cache keys (RFC 9111 §2).</summary>
public sealed class PrimaryKeyTests
{
    private static readonly CacheKeyPart[] All = [CacheKeyPart.Method, CacheKeyPart.Scheme, CacheKeyPart.Host, CacheKeyPart.Path, CacheKeyPart.Query];

    [Fact]
    public void TheKey_JoinsTheListedParts()
        => Assert.Equal("GET|https|example.com|/a/b|x=1", CachePolicy.PrimaryKey(RequestTo("Example.COM:443", "GET", "/a/b?x=1"), true, All));

    [Fact]
    public void TheDefaultKey_IsHostPathAndQuery()
        => Assert.Equal("example.com|/a/b|x=1", CachePolicy.PrimaryKey(Request("GET", "/a/b?x=1"), false, CacheSettings.Default.Key));

    [Fact]
    public void AHeadRequest_UsesTheGetKey()
        => Assert.Equal(CachePolicy.PrimaryKey(Request("GET", "/a"), false, All), CachePolicy.PrimaryKey(Request("HEAD", "/a"), false, All));

    [Fact]
    public void OtherMethods_HaveTheirOwnKey()
        => Assert.Equal("OPTIONS|http|example.com|/a|", CachePolicy.PrimaryKey(Request("OPTIONS", "/a"), false, All));

    [Theory]
    [InlineData("example.com:80", false, "example.com")]
    [InlineData("example.com:443", true, "example.com")]
    [InlineData("example.com:8080", false, "example.com:8080")]
    [InlineData("example.com:443", false, "example.com:443")]
    [InlineData("[::1]:8443", true, "[::1]:8443")]
    public void TheHost_KeepsOnlyANonDefaultPort(string authority, bool secure, string expected)
        => Assert.Equal(expected, CachePolicy.PrimaryKey(RequestTo(authority, "GET", "/"), secure, [CacheKeyPart.Host]));

    [Fact]
    public void PathAndQuery_AreKeptAsSent()
        => Assert.Equal("/A/%7e/b|Q=1&q=2", CachePolicy.PrimaryKey(Request("GET", "/A/%7e/b?Q=1&q=2"), false, [CacheKeyPart.Path, CacheKeyPart.Query]));

    [Fact]
    public void ASeparatorInsideAPart_CannotForgeAnotherKey()
    {
        var parts = new[] { CacheKeyPart.Path, CacheKeyPart.Query };
        Assert.NotEqual(CachePolicy.PrimaryKey(Request("GET", "/a|b?c"), false, parts), CachePolicy.PrimaryKey(Request("GET", "/a?b|c"), false, parts));
    }
}
