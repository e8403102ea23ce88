using Proxy.Shared.Caching;
using Proxy.Shared.Http;
using Xunit;
using static Proxy.Tests.Caching.CacheMessages;

namespace Proxy.Tests.Caching;

/// <summary>What a shared cache stores (RFC 9111 §3, §3.5) under the product's rules.</summary>
public sealed class StorableTests
{
    private static StoreDecision Decide(HttpRequestHead request, HttpResponseHead response, CacheSettings? settings = null)
        => CachePolicy.Storable(request, CacheControl.ParseRequest(request.Headers), response, CacheControl.Parse(response.Headers),
            settings ?? CacheSettings.Default);

    private static HttpResponseHead Ok(params (string, string)[] fields) => Response(200, fields);

    [Fact]
    public void AFreshGetResponse_IsStored()
    {
        Assert.Equal(new StoreDecision(true, null), Decide(Get(), Ok(("Cache-Control", "max-age=60"))));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("HEAD")]
    [InlineData("PUT")]
    public void AResponseToAnythingButGet_IsNotStored(string method)
    {
        // §3: the method must be understood; product rule: only GET (a HEAD is answered from a GET's entry).
        var decision = Decide(Request(method, "/a"), Ok(("Cache-Control", "max-age=60")));
        Assert.Equal(new StoreDecision(false, "method " + method), decision);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(203)]
    [InlineData(204)]
    [InlineData(300)]
    [InlineData(301)]
    [InlineData(404)]
    [InlineData(410)]
    public void AResponseWithAStorableStatus_IsStored(int status)
        => Assert.True(Decide(Get(), Response(status, ("Cache-Control", "max-age=60"))).Store);

    [Theory]
    [InlineData(206)]
    [InlineData(302)]
    [InlineData(304)]
    [InlineData(500)]
    [InlineData(503)]
    public void AResponseWithAnotherStatus_IsNotStored(int status)
        => Assert.Equal(new StoreDecision(false, "status " + status), Decide(Get(), Response(status, ("Cache-Control", "max-age=60"))));

    [Fact]
    public void AResponseWithNoStore_IsNotStored()
    {
        // §5.2.2.5
        Assert.Equal(new StoreDecision(false, "no-store"), Decide(Get(), Ok(("Cache-Control", "max-age=60, no-store"))));
    }

    [Fact]
    public void AResponseToARequestWithNoStore_IsNotStored()
    {
        // §5.2.1.5: no part of the request or its response may be stored.
        Assert.Equal(new StoreDecision(false, "no-store"), Decide(Get(("Cache-Control", "no-store")), Ok(("Cache-Control", "max-age=60"))));
    }

    [Fact]
    public void NoStoreUnderMustUnderstand_IsIgnoredForAnUnderstoodStatus()
    {
        // §5.2.2.3: a cache that understands the status code SHOULD ignore no-store when must-understand is present.
        Assert.True(Decide(Get(), Ok(("Cache-Control", "max-age=60, must-understand, no-store"))).Store);
    }

    [Fact]
    public void AResponseWithPrivate_IsNotStored()
    {
        // §5.2.2.7: a shared cache MUST NOT store a response with unqualified private.
        Assert.Equal(new StoreDecision(false, "private"), Decide(Get(), Ok(("Cache-Control", "private, max-age=60"))));
    }

    [Fact]
    public void AResponseWithQualifiedPrivate_IsStoredWithoutTheNamedFields()
    {
        // §5.2.2.7: only the listed fields are limited to one user; the rest may be stored.
        var response = Ok(("Cache-Control", "private=\"X-User\", max-age=60"), ("X-User", "alice"), ("Content-Type", "text/plain"),
            ("Proxy-Authenticate", "Basic"));
        Assert.True(Decide(Get(), response).Store);
        CachePolicy.RemoveUnstorableFields(response.Headers, CacheControl.Parse(response.Headers));
        Assert.False(response.Headers.Contains("X-User"));
        Assert.False(response.Headers.Contains("Proxy-Authenticate")); // §3.1: proxy-specific fields are not stored
        Assert.True(response.Headers.Contains("Content-Type"));
    }

    [Fact]
    public void AResponseToAnAuthorizedRequest_IsNotStoredWithoutPermission()
    {
        // §3.5
        var request = Get(("Authorization", "Bearer x"));
        Assert.Equal(new StoreDecision(false, "authorization"), Decide(request, Ok(("Cache-Control", "max-age=60"))));
    }

    [Theory]
    [InlineData("public, max-age=60")]
    [InlineData("s-maxage=60")]
    [InlineData("must-revalidate, max-age=60")]
    public void AResponseToAnAuthorizedRequest_IsStoredWithPublicSMaxAgeOrMustRevalidate(string cacheControl)
    {
        // §3.5: public, s-maxage and must-revalidate explicitly allow a shared cache to reuse it.
        Assert.True(Decide(Get(("Authorization", "Bearer x")), Ok(("Cache-Control", cacheControl))).Store);
    }

    [Fact]
    public void AResponseWithSetCookie_IsNotStoredUnlessConfigured()
    {
        var response = Ok(("Cache-Control", "max-age=60"), ("Set-Cookie", "id=1"));
        Assert.Equal(new StoreDecision(false, "set-cookie"), Decide(Get(), response));
        Assert.True(Decide(Get(), response, CacheSettings.Default with { StoreSetCookie = true }).Store);
    }

    [Theory]
    [InlineData("max-age=60, no-cache=\"Set-Cookie\"")]
    [InlineData("max-age=60, private=\"set-cookie\"")]
    public void AResponseWhoseSetCookieIsExcludedByAQualifiedDirective_IsStored(string cacheControl)
    {
        // §5.2.2.4 / §5.2.2.7: the named field is removed before storing, so the cookie is never shared.
        Assert.True(Decide(Get(), Ok(("Cache-Control", cacheControl), ("Set-Cookie", "id=1"))).Store);
    }

    [Fact]
    public void AResponseWithVaryStar_IsNotStored()
    {
        // §4.1: Vary: * always fails to match.
        Assert.Equal(new StoreDecision(false, "vary *"), Decide(Get(), Ok(("Cache-Control", "max-age=60"), ("Vary", "Accept, *"))));
    }

    [Fact]
    public void AResponseWithoutFreshnessInformation_IsNotStored()
    {
        // §4.2.2: no heuristic freshness in this product; a validator alone is not enough.
        Assert.Equal(new StoreDecision(false, "no freshness"), Decide(Get(), Ok(("ETag", "\"a\""))));
        Assert.Equal(new StoreDecision(false, "no freshness"), Decide(Get(), Ok(("Cache-Control", "public"))));
    }

    [Theory]
    [InlineData("Cache-Control", "max-age=0")]
    [InlineData("Cache-Control", "s-maxage=10")]
    [InlineData("Expires", "Sun, 06 Nov 2094 08:49:37 GMT")]
    [InlineData("Expires", "0")]
    [InlineData("Cache-Control", "max-age=oops")]
    public void AResponseWithExplicitFreshnessInformation_IsStored(string name, string value)
        => Assert.True(Decide(Get(), Ok((name, value))).Store);

    [Fact]
    public void AResponseWithoutFreshnessInformation_IsStoredWithADefaultTtl()
        => Assert.True(Decide(Get(), Ok(), CacheSettings.Default with { DefaultTtl = TimeSpan.FromSeconds(5) }).Store);

    [Fact]
    public void AResponseWithNoCacheAndAValidator_IsStored()
    {
        // §5.2.2.4: no-cache allows storing; every reuse is validated.
        Assert.True(Decide(Get(), Ok(("Cache-Control", "no-cache"), ("ETag", "\"v1\""))).Store);
        Assert.True(Decide(Get(), Ok(("Cache-Control", "no-cache"), ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"))).Store);
    }

    [Fact]
    public void AResponseWithNoCacheAndNoValidator_IsNotStored()
        => Assert.Equal(new StoreDecision(false, "no-cache without validator"), Decide(Get(), Ok(("Cache-Control", "no-cache, max-age=60"))));

    [Fact]
    public void AResponseLargerThanTheObjectLimit_IsNotStored()
    {
        var settings = CacheSettings.Default with { MaxObjectBytes = 100 };
        Assert.Equal(new StoreDecision(false, "too large"), Decide(Get(), Ok(("Cache-Control", "max-age=60"), ("Content-Length", "101")), settings));
        Assert.True(Decide(Get(), Ok(("Cache-Control", "max-age=60"), ("Content-Length", "100")), settings).Store);
    }

    [Fact]
    public void NothingIsStoredWhenTheCacheIsDisabled()
        => Assert.Equal(new StoreDecision(false, "disabled"),
            Decide(Get(), Ok(("Cache-Control", "max-age=60")), CacheSettings.Default with { Enabled = false }));

    [Fact]
    public void AResponseWithoutDate_GetsOneBeforeItIsStored()
    {
        // RFC 9110 §6.6.1: a recipient with a clock adds Date when caching a response that has none.
        var headers = Headers(("Content-Type", "text/plain"));
        var received = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        Assert.True(CachePolicy.AddDateIfMissing(headers, received));
        Assert.Equal("Thu, 02 Jan 2025 03:04:05 GMT", headers.Get("Date"));
        Assert.False(CachePolicy.AddDateIfMissing(headers, received.AddDays(1)));
        Assert.Equal("Thu, 02 Jan 2025 03:04:05 GMT", headers.Get("Date"));
    }

    [Fact]
    public void TheDefaultSettings_AreAsDocumented()
    {
        var d = CacheSettings.Default;
        Assert.True(d.Enabled);
        Assert.Equal(256L * 1024 * 1024, d.MaxMemoryBytes);
        Assert.Equal(8L * 1024 * 1024, d.MaxObjectBytes);
        Assert.Equal(TimeSpan.Zero, d.DefaultTtl);
        Assert.Equal(new[] { CacheKeyPart.Host, CacheKeyPart.Path, CacheKeyPart.Query }, d.Key);
        Assert.True(d.StaleWhileRevalidate);
        Assert.Equal(TimeSpan.FromSeconds(60), d.StaleIfError);
        Assert.False(d.StoreSetCookie);
        Assert.Empty(d.Warm);
    }
}
