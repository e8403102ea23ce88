namespace Proxy.Actors.Transport;

/// <summary>Which Akka.Streams TCP stages carry a listener's connections.</summary>
public enum ListenerTransport
{
    /// <summary>Our socket source/flow stages (<see cref="SocketListenerSource"/>, <see cref="SocketConnectionStage"/>): the default.</summary>
    Sockets,
    /// <summary>Akka.IO's built-in <c>TcpStream()</c>, for comparison (PROXY_TRANSPORT=akka-io).</summary>
    AkkaIo,
}
