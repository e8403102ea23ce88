using Akka.IO;
using Proxy.Shared.Http;

namespace Proxy.Actors.Upstream;

/// <summary>
/// De-frames one upstream response body (RFC 9112 §6.3): Content-Length, chunked (trailers kept, the fields a trailer
/// may not carry removed) or until the connection closes. It is fed the bytes an upstream connection has buffered and
/// knows no socket and no stream, so it is tested with byte arrays; the exchange stage reuses one per connection.
/// </summary>
public sealed class ResponseBodyReader
{
    /// <summary>Made for the first chunked body: a connection's reader lives as long as the client's connection.</summary>
    private ChunkedDecoder? _chunks;
    private long _remaining;

    /// <summary>How the current response's body is delimited.</summary>
    public BodyFraming Framing { get; private set; }

    /// <summary>Starts on the body of <paramref name="head"/>.</summary>
    public void Begin(HttpResponseHead head)
    {
        Framing = head.Framing;
        _remaining = head.ContentLength;
        if (head.Framing == BodyFraming.Chunked) (_chunks ??= new ChunkedDecoder()).Reset();
    }

    /// <summary>Takes as much decoded body as <c>buffer[start..end)</c> holds, copied out (the buffer is reused), and
    /// moves <paramref name="start"/> past what it consumed.</summary>
    /// <param name="complete">The body ended (its last byte, or the chunked body's end, was read).</param>
    /// <param name="trailers">A chunked body's trailer fields, once complete; null when it had none.</param>
    /// <param name="bad">Why the chunked framing is invalid; null while it is fine.</param>
    public ByteString Take(byte[] buffer, ref int start, int end, out bool complete, out HttpHeaderList? trailers, out string? bad)
    {
        complete = false;
        trailers = null;
        bad = null;
        switch (Framing)
        {
            case BodyFraming.ContentLength:
            {
                var n = (int)Math.Min(_remaining, end - start);
                var data = n == 0 ? ByteString.Empty : ByteString.CopyFrom(buffer, start, n);
                start += n;
                _remaining -= n;
                complete = _remaining == 0;
                return data;
            }
            case BodyFraming.UntilClose:
            {
                var n = end - start;
                var data = n == 0 ? ByteString.Empty : ByteString.CopyFrom(buffer, start, n);
                start = end;
                return data;
            }
            case BodyFraming.Chunked:
                return TakeChunked(buffer, ref start, end, out complete, out trailers, out bad);
            default:
                complete = true;
                return ByteString.Empty;
        }
    }

    private ByteString TakeChunked(byte[] buffer, ref int start, int end, out bool complete, out HttpHeaderList? trailers, out string? bad)
    {
        complete = false;
        trailers = null;
        bad = null;
        var result = ByteString.Empty;
        while (start < end)
        {
            var step = _chunks!.Decode(buffer.AsSpan(start, end - start), out var consumed, out var offset, out var length, out var error);
            if (step == ChunkStep.Invalid)
            {
                bad = error.Reason;
                return ByteString.Empty;
            }
            if (step == ChunkStep.Data)
            {
                var piece = ByteString.CopyFrom(buffer, start + offset, length);
                result = result.IsEmpty ? piece : result.Concat(piece);
            }
            start += consumed;
            if (step == ChunkStep.Done)
            {
                complete = true;
                trailers = _chunks!.Trailers;
                if (trailers is not null) TrailerFields.RemoveDisallowed(trailers);
                break;
            }
        }
        return result.IsCompact ? result : result.Compact();
    }
}
