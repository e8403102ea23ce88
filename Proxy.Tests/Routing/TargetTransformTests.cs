using Proxy.Shared.Configuration;
using Proxy.Shared.Routing;
using Xunit;

namespace Proxy.Tests.Routing;

/// <summary>R3's path and query rewriting on raw targets: prefixes segment-wise, parameters it does not name byte for byte.</summary>
public sealed class TargetTransformTests
{
    private static string Apply(string path, string query, string? strip = null, string? add = null,
        string[]? remove = null, (string, string)[]? set = null) =>
        new TargetTransform(new TransformSettings
        {
            StripPrefix = strip, AddPrefix = add,
            Query = new QueryTransforms
            {
                Remove = remove ?? [],
                Set = (set ?? []).Select(p => new KeyValuePair<string, string>(p.Item1, p.Item2)).ToList(),
            },
        }).Apply(path, query);

    [Theory]
    [InlineData("/api/users", "/users")]
    [InlineData("/api", "/")]
    [InlineData("/api/", "/")]
    [InlineData("/apix/users", "/apix/users")] // not the segment: left alone
    [InlineData("/other", "/other")]
    [InlineData("/api/a%2Fb", "/a%2Fb")] // raw bytes pass as they came
    public void StripPrefix_WorksOnWholeSegments(string path, string expected) =>
        Assert.Equal(expected, Apply(path, "", strip: "/api"));

    [Fact]
    public void StripThenAdd_AndTheQueryStays() =>
        Assert.Equal("/v2/users?b=2&a=%20x", Apply("/api/users", "b=2&a=%20x", strip: "/api", add: "/v2"));

    [Theory]
    [InlineData("a=1&debug=1&b=2", "a=1&b=2")]
    [InlineData("debug=1&b=2", "b=2")]
    [InlineData("debug", "")]
    [InlineData("a=1&debug=1&debug=2", "a=1")]
    [InlineData("de%62ug=1&a=1", "a=1")] // names compare decoded
    [InlineData("a=1&&b=%2x", "a=1&&b=%2x")] // nothing named: byte for byte, even odd bytes
    public void QueryRemove(string query, string expected) =>
        Assert.Equal(expected.Length == 0 ? "/p" : "/p?" + expected, Apply("/p", query, remove: ["debug"]));

    [Theory]
    [InlineData("", "lang=en")]
    [InlineData("a=1", "a=1&lang=en")]
    [InlineData("lang=fr&a=1", "lang=en&a=1")] // replaced where it was
    [InlineData("lang=fr&a=1&lang=de", "lang=en&a=1")] // later copies would contradict it
    public void QuerySet(string query, string expected) =>
        Assert.Equal("/p?" + expected, Apply("/p", query, set: [("lang", "en")]));

    [Fact]
    public void SetValues_ArePercentEncoded() =>
        Assert.Equal("/p?q=a%20b%26c%3D", Apply("/p", "", set: [("q", "a b&c=")]));
}
