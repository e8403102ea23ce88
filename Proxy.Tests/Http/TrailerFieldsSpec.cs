using Proxy.Shared.Http;
using Xunit;

namespace Proxy.Tests.Http;

/// <summary>RFC 9110 §6.5.1: a trailer section keeps only fields that may be trailers.</summary>
public class TrailerFieldsSpec
{
    [Theory]
    [InlineData("Content-Length")]
    [InlineData("transfer-encoding")]
    [InlineData("Host")]
    [InlineData("Content-Type")]
    [InlineData("Content-Encoding")]
    [InlineData("Authorization")]
    [InlineData("Set-Cookie")]
    [InlineData("Cache-Control")]
    [InlineData("Trailer")]
    [InlineData("Connection")]
    [InlineData("Location")]
    public void A_field_that_may_not_be_a_trailer_is_removed(string name)
    {
        var trailers = new HttpHeaderList();
        trailers.Add("X-Checksum", "abc");
        trailers.Add(name, "x");
        trailers.Add("Server-Timing", "db;dur=53");

        TrailerFields.RemoveDisallowed(trailers);

        Assert.Equal(2, trailers.Count);
        Assert.Equal("X-Checksum", trailers[0].Key);
        Assert.Equal("Server-Timing", trailers[1].Key);
    }

    [Fact]
    public void Every_copy_of_a_disallowed_field_goes_and_the_rest_keep_their_order()
    {
        var trailers = new HttpHeaderList();
        trailers.Add("Content-Length", "1");
        trailers.Add("X-A", "1");
        trailers.Add("content-length", "2");
        trailers.Add("X-B", "2");

        TrailerFields.RemoveDisallowed(trailers);

        Assert.Equal(2, trailers.Count);
        Assert.Equal(("X-A", "1"), (trailers[0].Key, trailers[0].Value));
        Assert.Equal(("X-B", "2"), (trailers[1].Key, trailers[1].Value));
    }
}
