using Proxy.Shared.Caching;
using Xunit;
using static Proxy.Tests.Caching.CacheMessages;

namespace Proxy.Tests.Caching;

/// <summary>Conditional requests answered by the cache (RFC 9110 §13, RFC 9111 §4.3.2) and validation (§4.3.1, §3.2, §4.3.4).</summary>
public sealed class ConditionalTests
{
    private const string LastModified = "Sun, 06 Nov 1994 08:49:37 GMT";

    private static readonly Proxy.Shared.Http.HttpResponseHead Stored = Response(200,
        ("Date", "Mon, 07 Nov 1994 08:49:37 GMT"), ("ETag", "\"v1\""), ("Last-Modified", LastModified), ("Cache-Control", "max-age=60"),
        ("Content-Type", "text/html"), ("Content-Length", "1234"), ("Vary", "Accept-Encoding"), ("Expires", "Mon, 07 Nov 1994 08:50:37 GMT"),
        ("Content-Location", "/a.html"), ("X-Custom", "1"));

    [Theory]
    [InlineData("\"v1\"")]
    [InlineData("W/\"v1\"")] // §8.8.3.2: weak comparison ignores the weakness indicator
    [InlineData("\"x\", \"v1\"")]
    [InlineData("*")]
    public void AMatchingIfNoneMatch_IsNotModified(string ifNoneMatch)
        => Assert.True(CachePolicy.NotModified(Get(("If-None-Match", ifNoneMatch)), Stored));

    [Fact]
    public void AWeakStoredETag_MatchesAStrongRequestTag()
    {
        var stored = Response(200, ("ETag", "W/\"a\""));
        Assert.True(CachePolicy.NotModified(Get(("If-None-Match", "\"a\"")), stored));
        Assert.False(CachePolicy.NotModified(Get(("If-None-Match", "\"b\"")), stored));
    }

    [Fact]
    public void IfNoneMatchOnSeveralLines_IsOneList()
        => Assert.True(CachePolicy.NotModified(Get(("If-None-Match", "\"x\""), ("If-None-Match", "\"v1\"")), Stored));

    [Fact]
    public void ANonMatchingIfNoneMatch_IsModified()
        => Assert.False(CachePolicy.NotModified(Get(("If-None-Match", "\"v2\", W/\"v3\"")), Stored));

    [Fact]
    public void IfModifiedSince_IsIgnoredWhenIfNoneMatchIsPresent()
    {
        // RFC 9110 §13.1.3 / §13.2.2: If-None-Match takes precedence.
        var request = Get(("If-None-Match", "\"other\""), ("If-Modified-Since", "Tue, 08 Nov 1994 08:49:37 GMT"));
        Assert.False(CachePolicy.NotModified(request, Stored));
    }

    [Theory]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT", true)] // equal
    [InlineData("Tue, 08 Nov 1994 08:49:37 GMT", true)] // later
    [InlineData("Sun, 06 Nov 1994 08:49:36 GMT", false)] // earlier
    [InlineData("garbage", false)] // not an HTTP-date: ignored
    public void IfModifiedSince_ComparesWithLastModified(string since, bool notModified)
        => Assert.Equal(notModified, CachePolicy.NotModified(Get(("If-Modified-Since", since)), Stored));

    [Fact]
    public void IfModifiedSinceWithoutLastModified_UsesTheStoredDate()
    {
        // RFC 9111 §4.3.2
        var stored = Response(200, ("Date", "Mon, 07 Nov 1994 08:49:37 GMT"));
        Assert.True(CachePolicy.NotModified(Get(("If-Modified-Since", "Mon, 07 Nov 1994 08:49:37 GMT")), stored));
        Assert.False(CachePolicy.NotModified(Get(("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")), stored));
    }

    [Fact]
    public void ConditionalsOnOtherMethodsOrErrorResponses_AreNotEvaluated()
    {
        // RFC 9110 §13.1.3 (GET/HEAD only) and §13.2.1 (2xx only).
        Assert.False(CachePolicy.NotModified(Request("POST", "/a", ("If-None-Match", "*")), Stored));
        Assert.True(CachePolicy.NotModified(Request("HEAD", "/a", ("If-None-Match", "*")), Stored));
        Assert.False(CachePolicy.NotModified(Get(("If-None-Match", "*")), Response(404, ("ETag", "\"v1\""))));
    }

    [Fact]
    public void A304_CarriesTheListedFields()
    {
        // RFC 9110 §15.4.5: Cache-Control, Content-Location, Date, ETag, Expires, Vary; Last-Modified only without ETag.
        var fields = Fields(CachePolicy.NotModifiedHeaders(Stored));
        Assert.Equal(new (string, string)[]
        {
            ("Cache-Control", "max-age=60"), ("Content-Location", "/a.html"), ("Date", "Mon, 07 Nov 1994 08:49:37 GMT"), ("ETag", "\"v1\""),
            ("Expires", "Mon, 07 Nov 1994 08:50:37 GMT"), ("Vary", "Accept-Encoding"),
        }, fields);
        var noETag = Response(200, ("Last-Modified", LastModified), ("Content-Length", "5"));
        Assert.Equal(new[] { ("Last-Modified", LastModified) }, Fields(CachePolicy.NotModifiedHeaders(noETag)));
    }

    [Fact]
    public void Validators_AreTheStoredETagAndLastModified()
    {
        // RFC 9111 §4.3.1: the client's own validators are replaced.
        var upstream = Headers(("Host", "example.com"), ("If-None-Match", "\"client\""), ("If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"));
        CachePolicy.AddValidators(upstream, Stored);
        Assert.Equal(new[] { ("Host", "example.com"), ("If-None-Match", "\"v1\""), ("If-Modified-Since", LastModified) }, Fields(upstream));
    }

    [Fact]
    public void AStoredResponseWithoutValidators_AddsNone()
    {
        var upstream = Headers(("If-None-Match", "\"client\""));
        CachePolicy.AddValidators(upstream, Response(200, ("Cache-Control", "max-age=1")));
        Assert.Empty(Fields(upstream));
    }

    [Fact]
    public void AMerged304_KeepsContentLengthAndReplacesTheRest()
    {
        // RFC 9111 §3.2: fields in the 304 replace the stored ones, except Content-Length and framing/hop-by-hop fields.
        var stored = Headers(("Date", "old"), ("Content-Length", "1234"), ("Cache-Control", "max-age=60"), ("X-A", "1"), ("X-A", "2"),
            ("Content-Encoding", "gzip"));
        var notModified = Headers(("Date", "new"), ("Content-Length", "0"), ("Cache-Control", "max-age=120"), ("X-A", "3"),
            ("Connection", "keep-alive, X-Hop"), ("Keep-Alive", "timeout=5"), ("X-Hop", "h"), ("Transfer-Encoding", "chunked"),
            ("Content-Encoding", "br"), ("X-New", "n"));
        var merged = CachePolicy.MergeNotModified(stored, notModified);
        Assert.Equal(new[]
        {
            ("Date", "new"), ("Content-Length", "1234"), ("Cache-Control", "max-age=120"), ("X-A", "3"), ("Content-Encoding", "gzip"), ("X-New", "n"),
        }, Fields(merged));
    }
}
