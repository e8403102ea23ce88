using System.Net.Sockets;
using Akka;
using Akka.IO;
using Akka.Streams.Dsl;

namespace Proxy.Actors.Transport;

/// <summary>
/// The one byte splice of the node, for every tunnel it runs: L4 routes (a client socket to a backend socket) and the
/// HTTP tunnels after CONNECT's 200 or a backend's 101 (the client side is then the connection's HTTP stream). Bytes
/// move with backpressure both ways (<see cref="SocketConnectionStage"/>: one write and one read in flight), each
/// half-close is passed on, and the splice fails with a <see cref="TimeoutException"/> when no byte moved either way
/// for <c>idleTimeout</c> (<see cref="BidiFlow.BidirectionalIdleTimeout{TIn,TOut}"/>).
/// </summary>
public static class ByteSplice
{
    /// <summary>The far end of a splice: bytes in are written to <paramref name="socket"/>, bytes read come out. The
    /// socket is the flow's from then on (disposed when it stops).</summary>
    public static Flow<ByteString, ByteString, NotUsed> To(Socket socket, TimeSpan idleTimeout) =>
        BidiFlow.BidirectionalIdleTimeout<ByteString, ByteString>(idleTimeout)
            .Join(Flow.FromGraph(new SocketConnectionStage(socket)));
}
