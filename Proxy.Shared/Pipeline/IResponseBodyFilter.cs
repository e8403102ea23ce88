using Akka.IO;

namespace Proxy.Shared.Pipeline;

/// <summary>
/// Sees a relayed response's body chunk by chunk, in order, as it streams to the client (never the whole body at
/// once): returns what goes on in place of each chunk (possibly nothing yet, possibly more than it was given). A
/// response head filter installs one for its exchange (<see cref="IExchange.AddResponseBodyFilter"/>) and sets
/// the head to match (a filter that changes the length removes <c>Content-Length</c>; the connection then frames the
/// body itself). Disposed when the exchange ends, whether the body finished or not.
/// </summary>
public interface IResponseBodyFilter : IDisposable
{
    /// <param name="last">The body ends with this chunk (which may be empty): emit everything still held.</param>
    ByteString OnBodyChunk(ByteString chunk, bool last);
}
