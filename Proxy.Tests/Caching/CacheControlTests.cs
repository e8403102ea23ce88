using Proxy.Shared.Caching;
using Xunit;
using static Proxy.Tests.Caching.CacheMessages;

namespace Proxy.Tests.Caching;

/// <summary>Parsing of Cache-Control (RFC 9111 §5.2) and Pragma (§5.4).</summary>
public sealed class CacheControlTests
{
    private static CacheControl Parse(params string[] lines)
    {
        var headers = Headers();
        foreach (var line in lines) headers.Add("Cache-Control", line);
        return CacheControl.Parse(headers);
    }

    [Fact]
    public void AMessageWithoutCacheControl_HasNoDirectives()
    {
        // §5.2: no field, no directives.
        var cc = CacheControl.Parse(Headers(("Content-Type", "text/plain")));
        Assert.Same(CacheControl.None, cc);
        Assert.False(cc.NoStore);
        Assert.Null(cc.MaxAge);
        Assert.Empty(cc.NoCacheFields);
    }

    [Fact]
    public void SeveralCacheControlLines_Combine()
    {
        // §5.2 / RFC 9110 §5.3: field lines of one name form one list.
        var cc = Parse("public, max-age=60", "s-maxage=30", "must-revalidate,proxy-revalidate");
        Assert.True(cc.Public);
        Assert.Equal(TimeSpan.FromSeconds(60), cc.MaxAge);
        Assert.Equal(TimeSpan.FromSeconds(30), cc.SMaxAge);
        Assert.True(cc.MustRevalidate);
        Assert.True(cc.ProxyRevalidate);
    }

    [Fact]
    public void DirectiveNames_AreCaseInsensitive()
    {
        // §5.2: cache directives are compared case-insensitively.
        var cc = Parse("NO-STORE, Max-Age=5, No-Transform, IMMUTABLE, Must-Understand, Only-If-Cached");
        Assert.True(cc.NoStore);
        Assert.Equal(TimeSpan.FromSeconds(5), cc.MaxAge);
        Assert.True(cc.NoTransform);
        Assert.True(cc.Immutable);
        Assert.True(cc.MustUnderstand);
        Assert.True(cc.OnlyIfCached);
    }

    [Fact]
    public void QuotedArguments_AreAccepted()
    {
        // §5.2: recipients accept both token and quoted-string forms.
        var cc = Parse("max-age=\"120\", stale-while-revalidate=\"30\", stale-if-error=\"600\"");
        Assert.Equal(TimeSpan.FromSeconds(120), cc.MaxAge);
        Assert.Equal(TimeSpan.FromSeconds(30), cc.StaleWhileRevalidate);
        Assert.Equal(TimeSpan.FromSeconds(600), cc.StaleIfError);
        Assert.False(cc.InvalidFreshness);
    }

    [Fact]
    public void UnknownDirectives_AreIgnored()
    {
        // §5.2.3: unrecognised extensions are ignored; a comma in their quoted argument does not split.
        var cc = Parse("community=\"UCI, x\", max-age=10, foo");
        Assert.Equal(TimeSpan.FromSeconds(10), cc.MaxAge);
        Assert.False(cc.NoCache);
    }

    [Theory]
    [InlineData("max-age=abc")]
    [InlineData("max-age=-1")]
    [InlineData("max-age=1.5")]
    [InlineData("max-age")]
    [InlineData("max-age=")]
    [InlineData("s-maxage=x")]
    public void AnInvalidMaxAge_MarksTheFreshnessInvalid(string line)
    {
        // §1.2.2 delta-seconds = 1*DIGIT; §4.2.1: invalid freshness information means stale.
        var cc = Parse(line);
        Assert.True(cc.InvalidFreshness);
        Assert.Null(cc.MaxAge);
        Assert.Null(cc.SMaxAge);
    }

    [Fact]
    public void AnOverflowingDeltaSeconds_ClampsTo2Pow31()
    {
        // §1.2.2: a value too large to represent is taken as 2^31.
        var cc = Parse("max-age=99999999999999999999999999");
        Assert.Equal(TimeSpan.FromSeconds(2147483648), cc.MaxAge);
        Assert.False(cc.InvalidFreshness);
    }

    [Fact]
    public void ARepeatedDirective_UsesItsFirstOccurrence()
    {
        // §4.2.1: with several max-age directives the first occurrence should be used.
        Assert.Equal(TimeSpan.FromSeconds(5), Parse("max-age=5", "max-age=500").MaxAge);
    }

    [Fact]
    public void MaxStaleWithoutValue_AcceptsAnyStaleness()
    {
        // §5.2.1.2: max-stale with no value accepts a stale response of any age.
        var cc = Parse("max-stale");
        Assert.True(cc.MaxStaleAny);
        Assert.Null(cc.MaxStale);
    }

    [Fact]
    public void MaxStaleWithValue_LimitsStaleness()
    {
        var cc = Parse("max-stale=30, min-fresh=10");
        Assert.False(cc.MaxStaleAny);
        Assert.Equal(TimeSpan.FromSeconds(30), cc.MaxStale);
        Assert.Equal(TimeSpan.FromSeconds(10), cc.MinFresh);
    }

    [Fact]
    public void QualifiedNoCacheAndPrivate_RecordTheirFieldNames()
    {
        // §5.2.2.4 / §5.2.2.7: the qualified forms name fields; they are not the unqualified directive.
        var cc = Parse("no-cache=\"Set-Cookie, X-Token\", private=\"X-User\"");
        Assert.False(cc.NoCache);
        Assert.False(cc.Private);
        Assert.Equal(new[] { "Set-Cookie", "X-Token" }, cc.NoCacheFields);
        Assert.Equal(new[] { "X-User" }, cc.PrivateFields);
    }

    [Fact]
    public void TheTokenFormOfAQualifiedDirective_IsAccepted()
    {
        var cc = Parse("private=X-User");
        Assert.False(cc.Private);
        Assert.Equal(new[] { "X-User" }, cc.PrivateFields);
    }

    [Theory]
    [InlineData("no-cache")]
    [InlineData("no-cache=\"\"")]
    [InlineData("no-cache=\"unterminated")]
    public void NoCacheWithoutUsableFieldNames_IsTheUnqualifiedForm(string line)
    {
        // §4.2.1: when in doubt, the most restrictive reading.
        var cc = Parse(line);
        Assert.True(cc.NoCache);
        Assert.Empty(cc.NoCacheFields);
    }

    [Fact]
    public void PrivateAndQualifiedPrivateTogether_AreBothRecorded()
    {
        var cc = Parse("private, private=\"X-A\"");
        Assert.True(cc.Private);
        Assert.Equal(new[] { "X-A" }, cc.PrivateFields);
    }

    [Fact]
    public void PragmaNoCache_CountsOnlyWithoutCacheControl()
    {
        // §5.4: Pragma: no-cache is honoured only when the request has no Cache-Control.
        Assert.True(CacheControl.PragmaNoCache(Headers(("Pragma", "no-cache"))));
        Assert.True(CacheControl.ParseRequest(Headers(("Pragma", "x, No-Cache"))).NoCache);
        Assert.False(CacheControl.PragmaNoCache(Headers(("Pragma", "no-cache"), ("Cache-Control", "max-age=5"))));
        Assert.False(CacheControl.ParseRequest(Headers(("Pragma", "no-cache"), ("Cache-Control", "max-age=5"))).NoCache);
        Assert.False(CacheControl.PragmaNoCache(Headers(("Pragma", "foo"))));
    }
}
