using System.Text;
using Akka.IO;
using Proxy.Actors.Upstream;
using Proxy.Shared.Http;
using Xunit;

namespace Proxy.Tests.Upstream;

/// <summary>Issue 12: the upstream side's request framing, checked on the bytes it would send (no socket, no stream).</summary>
public sealed class UpstreamRequestWriterTests
{
    private static string Sent(UpstreamRequestWriter writer) =>
        string.Concat(writer.Segments.Select(s => Encoding.ASCII.GetString(s.Array!, s.Offset, s.Count)));

    private static HttpRequestHead Head(string target, bool chunked = false, long length = -1)
    {
        var headers = new HttpHeaderList();
        headers.Add("Host", "api.example.com");
        var query = target.Contains('?') ? target[(target.IndexOf('?') + 1)..] : "";
        var path = target.StartsWith("http://") ? new Uri(target).AbsolutePath : target.Split('?')[0];
        return new HttpRequestHead
        {
            Method = "POST", Target = target, Path = path, Query = query, Version = 11, Headers = headers,
            Host = "api.example.com", Authority = "api.example.com", Chunked = chunked, ContentLength = length,
        };
    }

    [Theory]
    [InlineData("/a/b?x=1%2C2", false, null, "/a/b?x=1%2C2")] // origin-form byte for byte
    [InlineData("http://api.example.com/a?x=1", false, null, "/a?x=1")] // absolute-form reduced for a backend
    [InlineData("/a?x=1", true, null, "http://api.example.com/a?x=1")] // an upstream proxy gets absolute-form
    [InlineData("http://api.example.com/a", true, null, "http://api.example.com/a")]
    [InlineData("/api/a?x=1", false, "/v2/a?x=1", "/v2/a?x=1")] // a filter's rewrite wins
    public void TheTarget(string target, bool throughProxy, string? rewritten, string expected) =>
        Assert.Equal(expected, UpstreamRequestWriter.TargetFor(Head(target), throughProxy, rewritten));

    [Fact]
    public void AContentLengthRequest_GoesHeadThenBodyAsItCame()
    {
        var writer = new UpstreamRequestWriter();
        var head = Head("/upload", length: 5);
        head.Headers.Add("Content-Length", "5");
        writer.Head(head, "/upload");
        Assert.Equal("POST /upload HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: 5\r\n\r\n", Sent(writer));
        writer.Body(ByteString.FromString("hel"), chunked: false);
        Assert.Equal("hel", Sent(writer));
        writer.Body(ByteString.FromString("lo"), chunked: false);
        Assert.Equal("lo", Sent(writer));
    }

    [Fact]
    public void AChunkedRequest_GoesAsChunks_AndEndsWithTheTrailersATrailerMayCarry()
    {
        var writer = new UpstreamRequestWriter();
        writer.Head(Head("/upload", chunked: true), "/upload");
        Assert.Equal("POST /upload HTTP/1.1\r\nHost: api.example.com\r\nTransfer-Encoding: chunked\r\n\r\n", Sent(writer));
        writer.Body(ByteString.FromString("hello world, sixteen+"), chunked: true);
        Assert.Equal("15\r\nhello world, sixteen+\r\n", Sent(writer));
        var trailers = new HttpHeaderList();
        trailers.Add("X-Checksum", "abc");
        trailers.Add("Content-Length", "99"); // framing: never in a trailer
        writer.LastChunk(trailers);
        Assert.Equal("0\r\nX-Checksum: abc\r\n\r\n", Sent(writer));
        writer.LastChunk(null);
        Assert.Equal("0\r\n\r\n", Sent(writer));
    }
}
