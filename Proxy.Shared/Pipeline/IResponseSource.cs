using Akka.IO;
using Proxy.Shared.Http;

namespace Proxy.Shared.Pipeline;

/// <summary>
/// A response a request filter serves in place of an upstream's (<see cref="FilterVerdict.Serve"/>): a stored one from
/// the cache, later one streamed from another node. The exchange runs the response head and body filters on it as on a
/// relayed response, and pulls its body piece by piece only as the client takes it (backpressure), so a source may
/// stream a body that is still arriving. Disposed when the exchange ends, whether the body was read whole or not.
/// </summary>
public interface IResponseSource : IDisposable
{
    /// <summary>The response head as the client is to get it (the exchange's response head filters still run on it).
    /// <see cref="HttpResponseHead.Framing"/> <see cref="BodyFraming.None"/>: no body is read.</summary>
    HttpResponseHead Head { get; }

    /// <summary>The next piece of the body. Completes at once when the bytes are at hand (no allocation then); a piece
    /// with <see cref="BodyPiece.Last"/> ends the body. A faulted read breaks the response off (or, before anything was
    /// sent, answers 502).</summary>
    ValueTask<BodyPiece> ReadAsync();
}

/// <summary>A piece of a served body; <paramref name="Last"/>: nothing follows it (it may be empty).</summary>
public readonly record struct BodyPiece(ByteString Data, bool Last);
