using Proxy.Shared.Caching;
using Xunit;
using static Proxy.Tests.Caching.CacheMessages;

namespace Proxy.Tests.Caching;

/// <summary>Secondary keys from Vary (RFC 9111 §4.1).</summary>
public sealed class VaryTests
{
    private static string[]? Fields(params string[] varyLines)
    {
        var response = Response(200);
        foreach (var line in varyLines) response.Headers.Add("Vary", line);
        return CachePolicy.VaryFields(response);
    }

    private static string Key(string[] vary, params (string, string)[] requestFields) => CachePolicy.SecondaryKey(vary, Headers(requestFields));

    [Fact]
    public void AResponseWithoutVary_HasNoVaryFields() => Assert.Null(Fields());

    [Fact]
    public void VaryFields_AreLowerCasedDeduplicatedAndSorted()
        => Assert.Equal(new[] { "accept", "accept-encoding" }, Fields("Accept-Encoding, Accept", "accept-encoding"));

    [Fact]
    public void VaryStar_IsReportedAlone() => Assert.Equal(new[] { "*" }, Fields("Accept", "*"));

    [Fact]
    public void AnEmptyVary_IsNoVary() => Assert.Null(Fields("", " , "));

    [Fact]
    public void TheOrderOfVaryFields_DoesNotChangeTheKey()
    {
        var a = Fields("Accept-Encoding, Accept-Language")!;
        var b = Fields("accept-language", "ACCEPT-ENCODING")!;
        var request = new[] { ("Accept-Language", "en"), ("Accept-Encoding", "gzip") };
        Assert.Equal(Key(a, request), Key(b, request));
    }

    [Fact]
    public void AnAbsentField_DoesNotMatchAnEmptyOne()
    {
        // §4.1: a field absent from one request only matches if it is absent from the other too.
        var vary = Fields("Accept-Encoding")!;
        Assert.NotEqual(Key(vary), Key(vary, ("Accept-Encoding", "")));
        Assert.Equal(Key(vary), Key(vary, ("Other", "x")));
    }

    [Fact]
    public void WhitespaceAndLineSplitting_AreNormalised()
    {
        // §4.1: adding or removing whitespace, and combining field lines, still match.
        var vary = Fields("Accept-Encoding")!;
        var expected = Key(vary, ("Accept-Encoding", "gzip, br"));
        Assert.Equal(expected, Key(vary, ("Accept-Encoding", "gzip,br")));
        Assert.Equal(expected, Key(vary, ("Accept-Encoding", "  gzip ,\tbr ")));
        Assert.Equal(expected, Key(vary, ("accept-encoding", "gzip"), ("Accept-Encoding", "br")));
        Assert.Equal(expected, Key(vary, ("Accept-Encoding", "gzip, , br,")));
    }

    [Fact]
    public void WhitespaceAroundParameterSemicolons_IsNormalised()
        => Assert.Equal(Key(Fields("Accept")!, ("Accept", "text/html;q=0.9")), Key(Fields("Accept")!, ("Accept", "text/html ; q=0.9")));

    [Fact]
    public void DifferentValues_GiveDifferentKeys()
    {
        var vary = Fields("Accept-Encoding")!;
        Assert.NotEqual(Key(vary, ("Accept-Encoding", "gzip")), Key(vary, ("Accept-Encoding", "br")));
        Assert.NotEqual(Key(vary, ("Accept-Encoding", "gzip, br")), Key(vary, ("Accept-Encoding", "br, gzip")));
    }

    [Fact]
    public void TheCaseOfValues_IsKept()
        => Assert.NotEqual(Key(Fields("X-Mode")!, ("X-Mode", "A")), Key(Fields("X-Mode")!, ("X-Mode", "a")));

    [Fact]
    public void QuotedStrings_AreNotNormalised()
    {
        var vary = Fields("X-Q")!;
        Assert.NotEqual(Key(vary, ("X-Q", "\"a , b\"")), Key(vary, ("X-Q", "\"a,b\"")));
    }

    [Fact]
    public void TheKey_NamesEachFieldAndItsValue()
        => Assert.Equal("accept\naccept-encoding=gzip, br", Key(Fields("Accept-Encoding, Accept")!, ("Accept-Encoding", "gzip,br")));
}
