using System.Text;
using Proxy.Shared.Http;
using Xunit;

namespace Proxy.Tests.Http;

/// <summary>Issue 14: the framing scratch a connection keeps rents its array only while it is used.</summary>
public sealed class RentedBufferWriterTests
{
    [Fact]
    public void NothingIsRented_UntilTheFirstWrite_AndNothingAfterReturn()
    {
        var writer = new RentedBufferWriter(64);
        Assert.False(writer.HoldsBuffer);
        Assert.Equal(0, writer.Written.Count);

        Http1Writer.WriteStatusLine(writer, 200, "OK");
        Assert.True(writer.HoldsBuffer);
        Assert.Equal("HTTP/1.1 200 OK\r\n", Encoding.ASCII.GetString(writer.WrittenSpan));

        writer.Return();
        Assert.False(writer.HoldsBuffer);
        Assert.Equal(0, writer.WrittenCount);
        writer.Return(); // twice is harmless
    }

    [Fact]
    public void AWriteLargerThanTheArray_GrowsIt_AndKeepsWhatWasWritten()
    {
        var writer = new RentedBufferWriter(16);
        var text = new StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            var piece = $"X-Header-{i}: value {i}\r\n";
            text.Append(piece);
            var span = writer.GetSpan(piece.Length);
            Encoding.ASCII.GetBytes(piece, span);
            writer.Advance(piece.Length);
        }
        Assert.Equal(text.ToString(), Encoding.ASCII.GetString(writer.WrittenSpan));
        var written = writer.Written;
        Assert.Equal(text.Length, written.Count);
        Assert.Equal(0, written.Offset);
    }

    [Fact]
    public void ResetStartsOver_InTheSameArray()
    {
        var writer = new RentedBufferWriter(64);
        Http1Writer.WriteStatusLine(writer, 404, "Not Found");
        var array = writer.Written.Array;
        writer.Reset();
        Http1Writer.WriteStatusLine(writer, 204, "No Content");
        Assert.Same(array, writer.Written.Array);
        Assert.Equal("HTTP/1.1 204 No Content\r\n", Encoding.ASCII.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void ADroppedArray_IsNotReused_ByTheNextWrite()
    {
        var writer = new RentedBufferWriter(64);
        Http1Writer.WriteStatusLine(writer, 200, "OK");
        var inFlight = writer.Written.Array;
        writer.Drop();
        Assert.False(writer.HoldsBuffer);
        Http1Writer.WriteStatusLine(writer, 500, "Internal Server Error");
        Assert.NotSame(inFlight, writer.Written.Array);
        Assert.Equal("HTTP/1.1 200 OK\r\n", Encoding.ASCII.GetString(inFlight!, 0, 17));
    }

    [Fact]
    public void AdvancingPastTheSpanHandedOut_Throws()
    {
        var writer = new RentedBufferWriter(8);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(1));
        var length = writer.GetSpan(4).Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(length + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RentedBufferWriter(0));
    }
}
