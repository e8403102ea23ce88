using Akka.IO;
using Proxy.Shared.Http;

namespace Proxy.Actors.Upstream;

/// <summary>
/// Frames one request for an upstream connection (RFC 9112): the head with the target the backend (or an upstream
/// proxy) must see, then body pieces — as they came with Content-Length, as chunks when the client sent chunked — and
/// the end (last chunk and the trailer fields a trailer may carry). Each call fills the list of buffers to send; it
/// knows no socket, so it is tested with byte arrays. One per connection, reused; a buffer it hands out stays valid
/// until the next call (the exchange sends before it frames again) or until the buffer is given back at the exchange's end.
/// </summary>
public sealed class UpstreamRequestWriter
{
    private static readonly ArraySegment<byte> CrLf = new("\r\n"u8.ToArray());

    /// <summary>Rented at the exchange's first framing and given back by <see cref="ReturnBuffer"/> when it ends, so a
    /// kept-alive client connection holds no request buffer between requests.</summary>
    private readonly RentedBufferWriter _writer = new(512);

    /// <summary>What to send next, filled by the last call.</summary>
    public List<ArraySegment<byte>> Segments { get; } = new(4);

    /// <summary>The request-target sent: origin-form byte for byte (absolute-form reduced to it); through an upstream
    /// proxy absolute-form (RFC 9112 §3.2.2), as the client sent it; a target a filter rewrote (origin-form) wins
    /// over the client's.</summary>
    public static string TargetFor(HttpRequestHead head, bool throughProxy, string? rewritten)
    {
        if (throughProxy) return head.Target[0] == '/' ? "http://" + head.Authority + head.Target : head.Target;
        if (rewritten is not null) return rewritten;
        if (head.Target[0] == '/' || head.Target == "*") return head.Target;
        return head.Query.Length > 0 ? head.Path + "?" + head.Query : head.Path;
    }

    public void Head(HttpRequestHead head, string target)
    {
        _writer.Reset();
        Http1Writer.WriteRequestLine(_writer, head.Method, target);
        Http1Writer.WriteHeaders(_writer, head.Headers);
        if (head.Chunked) Http1Writer.WriteHeader(_writer, "Transfer-Encoding", "chunked");
        Http1Writer.WriteEndOfHead(_writer);
        Segments.Clear();
        Segments.Add(Written());
    }

    /// <summary>A piece of the body: as it is, or as one chunk when <paramref name="chunked"/>.</summary>
    public void Body(ByteString data, bool chunked)
    {
        Segments.Clear();
        if (chunked)
        {
            _writer.Reset();
            Http1Writer.WriteChunkHeader(_writer, data.Count);
            Segments.Add(Written());
        }
        foreach (var segment in Transport.ByteStringSegments.Of(data)) Segments.Add(segment);
        if (chunked) Segments.Add(CrLf);
    }

    /// <summary>The end of a chunked body: the last chunk, with the trailer fields a trailer may carry.</summary>
    public void LastChunk(HttpHeaderList? trailers)
    {
        if (trailers is not null) TrailerFields.RemoveDisallowed(trailers);
        _writer.Reset();
        Http1Writer.WriteLastChunk(_writer, trailers);
        Segments.Clear();
        Segments.Add(Written());
    }

    /// <summary>Gives the framing buffer back to the pool. Only when no send of its bytes is in flight: a socket may
    /// still read an array handed to it.</summary>
    public void ReturnBuffer() => _writer.Return();

    /// <summary>Lets go of the framing buffer without giving it back, while a send of its bytes may still be in flight.</summary>
    public void DropBuffer() => _writer.Drop();

    /// <summary>The writer keeps a rented buffer (between a framing call and <see cref="ReturnBuffer"/>).</summary>
    public bool HoldsBuffer => _writer.HoldsBuffer;

    // Not touched again until the send completed, so the writer's array goes out without a copy.
    private ArraySegment<byte> Written() => _writer.Written;
}
