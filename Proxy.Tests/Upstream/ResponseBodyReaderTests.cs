using System.Text;
using Proxy.Actors.Upstream;
using Proxy.Shared.Http;
using Xunit;

namespace Proxy.Tests.Upstream;

/// <summary>Issue 12: the upstream side's body de-framing, driven with byte arrays (no socket, no stream). Each body is
/// fed whole and then one byte at a time, as a slow backend would send it.</summary>
public sealed class ResponseBodyReaderTests
{
    private static HttpResponseHead Head(BodyFraming framing, long length = -1) => new()
    {
        Status = 200, Reason = "OK", Version = 11, Headers = new HttpHeaderList(), Framing = framing, ContentLength = length,
    };

    /// <summary>Feeds <paramref name="wire"/> in pieces of <paramref name="step"/> bytes (the buffer holds what was not
    /// consumed, as the upstream connection's does) until the body is complete, bad, or the bytes ran out.</summary>
    private static (string Body, bool Complete, HttpHeaderList? Trailers, string? Bad, int Left) Read(
        ResponseBodyReader reader, string wire, int step)
    {
        var bytes = Encoding.ASCII.GetBytes(wire);
        var buffer = new byte[bytes.Length];
        var (start, end, fed) = (0, 0, 0);
        var body = new StringBuilder();
        while (true)
        {
            var n = Math.Min(step, bytes.Length - fed);
            Array.Copy(bytes, fed, buffer, end, n);
            (fed, end) = (fed + n, end + n);
            var data = reader.Take(buffer, ref start, end, out var complete, out var trailers, out var bad);
            body.Append(Encoding.ASCII.GetString(data.ToArray()));
            if (complete || bad is not null || fed == bytes.Length) return (body.ToString(), complete, trailers, bad, end - start);
        }
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1)]
    public void AContentLengthBody_EndsAtItsLength_AndLeavesWhatFollows(int step)
    {
        var reader = new ResponseBodyReader();
        reader.Begin(Head(BodyFraming.ContentLength, 5));
        var (body, complete, _, bad, left) = Read(reader, "hello" + "HTTP/1.1 200 OK\r\n", step);
        Assert.Equal("hello", body);
        Assert.True(complete);
        Assert.Null(bad);
        Assert.Equal(step == 1 ? 0 : 17, left); // fed byte by byte, nothing after the body was handed over yet
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1)]
    public void AChunkedBody_IsDecoded_WithItsTrailers_LessTheFieldsATrailerMayNotCarry(int step)
    {
        var reader = new ResponseBodyReader();
        reader.Begin(Head(BodyFraming.Chunked));
        var (body, complete, trailers, bad, _) = Read(reader,
            "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nChecksum: abc\r\nContent-Length: 11\r\n\r\n", step);
        Assert.Equal("hello world", body);
        Assert.True(complete);
        Assert.Null(bad);
        Assert.Equal("abc", trailers?.Get("Checksum"));
        Assert.Null(trailers?.Get("Content-Length"));
    }

    [Theory]
    [InlineData("zz\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhelloXX0\r\n\r\n")]
    [InlineData("-1\r\n")]
    public void AMalformedChunkedBody_IsReported_NotDelivered(string wire)
    {
        var reader = new ResponseBodyReader();
        reader.Begin(Head(BodyFraming.Chunked));
        var (_, complete, _, bad, _) = Read(reader, wire, 1000);
        Assert.False(complete);
        Assert.NotNull(bad);
    }

    [Fact]
    public void ABodyUntilClose_TakesEverything_AndNeverCompletesByItself()
    {
        var reader = new ResponseBodyReader();
        reader.Begin(Head(BodyFraming.UntilClose));
        var (body, complete, _, _, left) = Read(reader, "all of it", 4);
        Assert.Equal("all of it", body);
        Assert.False(complete);
        Assert.Equal(0, left);
    }

    [Fact]
    public void NoBody_IsCompleteAtOnce_AndTheReaderIsReusedForTheNextResponse()
    {
        var reader = new ResponseBodyReader();
        reader.Begin(Head(BodyFraming.None));
        var start = 0;
        Assert.True(reader.Take([], ref start, 0, out var complete, out _, out _).IsEmpty);
        Assert.True(complete);

        reader.Begin(Head(BodyFraming.Chunked));
        Assert.Equal("ok", Read(reader, "2\r\nok\r\n0\r\n\r\n", 3).Body);
        reader.Begin(Head(BodyFraming.Chunked));
        Assert.Equal("again", Read(reader, "5\r\nagain\r\n0\r\n\r\n", 1000).Body);
    }
}
