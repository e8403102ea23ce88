using Proxy.Shared.Http;
using Xunit;

namespace Proxy.Tests.Http;

/// <summary>E4's negotiation (RFC 9110 §12.5.3): the offered coding the client weighs highest, q=0 refuses.</summary>
public sealed class AcceptEncodingTests
{
    private static readonly string[] Offered = ["br", "gzip"];

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("identity", null)]
    [InlineData("gzip", "gzip")]
    [InlineData("gzip, deflate, br", "br")] // equal weight: the offer's order
    [InlineData("br;q=0.5, gzip", "gzip")]
    [InlineData("BR;Q=0.9, GZIP;q=0.8", "br")]
    [InlineData("*", "br")]
    [InlineData("*;q=0.1, gzip;q=0.5", "gzip")]
    [InlineData("*, br;q=0", "gzip")]
    [InlineData("gzip;q=0, br;q=0", null)]
    [InlineData("gzip;q=1.5", null)] // an invalid weight counts as refusal
    [InlineData("gzip;level=1;q=0.3, br;q=0.2", "gzip")]
    [InlineData(" , gzip ,", "gzip")]
    public void TheChoice(string? header, string? expected) => Assert.Equal(expected, AcceptEncoding.Choose(header, Offered));
}
