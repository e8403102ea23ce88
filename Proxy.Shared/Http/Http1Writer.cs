using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Proxy.Shared.Http;

/// <summary>Serializes HTTP/1.1 heads and chunk framing into a reusable buffer writer.</summary>
public static class Http1Writer
{
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

    public static void WriteRequestLine(IBufferWriter<byte> w, string method, string target)
    {
        WriteAscii(w, method);
        WriteByte(w, (byte)' ');
        WriteAscii(w, target);
        Write(w, " HTTP/1.1\r\n"u8);
    }

    public static void WriteStatusLine(IBufferWriter<byte> w, int status, string reason)
    {
        Write(w, "HTTP/1.1 "u8);
        var span = w.GetSpan(3);
        Utf8Formatter.TryFormat(status, span, out var n);
        w.Advance(n);
        WriteByte(w, (byte)' ');
        WriteLatin1(w, reason.Length > 0 ? reason : HttpStatusText.Get(status));
        Write(w, CrLf);
    }

    public static void WriteHeader(IBufferWriter<byte> w, string name, string value)
    {
        WriteAscii(w, name);
        Write(w, ": "u8);
        WriteLatin1(w, value);
        Write(w, CrLf);
    }

    public static void WriteHeader(IBufferWriter<byte> w, string name, long value)
    {
        WriteAscii(w, name);
        Write(w, ": "u8);
        var span = w.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var n);
        w.Advance(n);
        Write(w, CrLf);
    }

    public static void WriteHeaders(IBufferWriter<byte> w, HttpHeaderList headers)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            var (name, value) = headers[i];
            WriteHeader(w, name, value);
        }
    }

    public static void WriteEndOfHead(IBufferWriter<byte> w) => Write(w, CrLf);

    /// <summary>chunk-size CRLF, before <paramref name="length"/> bytes of data.</summary>
    public static void WriteChunkHeader(IBufferWriter<byte> w, int length)
    {
        var span = w.GetSpan(10);
        Utf8Formatter.TryFormat(length, span, out var n, new StandardFormat('x'));
        span[n] = (byte)'\r';
        span[n + 1] = (byte)'\n';
        w.Advance(n + 2);
    }

    public static void WriteChunkEnd(IBufferWriter<byte> w) => Write(w, CrLf);

    /// <summary>The last chunk, trailers and the final CRLF.</summary>
    public static void WriteLastChunk(IBufferWriter<byte> w, HttpHeaderList? trailers)
    {
        Write(w, "0\r\n"u8);
        if (trailers is not null) WriteHeaders(w, trailers);
        Write(w, CrLf);
    }

    public static void Write(IBufferWriter<byte> w, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(w.GetSpan(bytes.Length));
        w.Advance(bytes.Length);
    }

    private static void WriteByte(IBufferWriter<byte> w, byte b)
    {
        w.GetSpan(1)[0] = b;
        w.Advance(1);
    }

    private static void WriteAscii(IBufferWriter<byte> w, string s)
    {
        var n = Encoding.ASCII.GetBytes(s, w.GetSpan(s.Length));
        w.Advance(n);
    }

    // Header values were decoded as Latin-1 so obs-text bytes round-trip unchanged.
    private static void WriteLatin1(IBufferWriter<byte> w, string s)
    {
        var n = Encoding.Latin1.GetBytes(s, w.GetSpan(s.Length));
        w.Advance(n);
    }
}
