using Proxy.Shared.Caching;
using Xunit;
using static Proxy.Tests.Caching.CacheMessages;

namespace Proxy.Tests.Caching;

/// <summary>Invalidation after unsafe requests (RFC 9111 §4.4).</summary>
public sealed class InvalidationTests
{
    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    [InlineData("PURGE")] // a method whose safety is unknown
    public void AnUnsafeRequestWithASuccess_InvalidatesItsTarget(string method)
        => Assert.Equal(new[] { "/items/1?x=2" }, CachePolicy.InvalidatedTargets(Request(method, "/items/1?x=2"), Response(204)));

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    [InlineData("OPTIONS")]
    [InlineData("TRACE")]
    public void ASafeRequest_InvalidatesNothing(string method)
        => Assert.Empty(CachePolicy.InvalidatedTargets(Request(method, "/items/1"), Response(200)));

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(500)]
    [InlineData(101)]
    public void AnErrorResponse_InvalidatesNothing(int status)
        => Assert.Empty(CachePolicy.InvalidatedTargets(Request("POST", "/items"), Response(status)));

    [Fact]
    public void LocationAndContentLocationOnTheSameHost_AreInvalidated()
    {
        var response = Response(201, ("Location", "https://EXAMPLE.com:8443/items/7?v=1#top"), ("Content-Location", "/items/7/summary"));
        Assert.Equal(new[] { "/items", "/items/7?v=1", "/items/7/summary" },
            CachePolicy.InvalidatedTargets(Request("POST", "/items"), response));
    }

    [Fact]
    public void ALocationOnAnotherHost_IsNotInvalidated()
    {
        // §4.4: never invalidate a URI whose origin differs from the target's.
        var response = Response(201, ("Location", "https://other.example/items/7"), ("Content-Location", "//evil.example/x"));
        Assert.Equal(new[] { "/items" }, CachePolicy.InvalidatedTargets(Request("POST", "/items"), response));
    }

    [Theory]
    [InlineData("7", "/items/7")]
    [InlineData("./7?a=b", "/items/7?a=b")]
    [InlineData("../other", "/other")]
    [InlineData("?page=2", "/items/new?page=2")]
    [InlineData("mailto:someone@example.com", null)]
    public void ARelativeLocation_IsResolvedAgainstTheRequestPath(string location, string? expected)
    {
        // RFC 3986 §5.2 reference resolution.
        var targets = CachePolicy.InvalidatedTargets(Request("POST", "/items/new"), Response(303, ("Location", location)));
        Assert.Equal(expected is null ? new[] { "/items/new" } : new[] { "/items/new", expected }, targets);
    }

    [Fact]
    public void ALocationEqualToTheTarget_IsListedOnce()
        => Assert.Equal(new[] { "/a" }, CachePolicy.InvalidatedTargets(Request("PUT", "/a"), Response(200, ("Content-Location", "/a"))));
}
