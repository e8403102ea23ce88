namespace Proxy.Actors.Transport;

/// <summary>What accepts a listener's connections and carries their bytes.</summary>
public enum ListenerTransport
{
    /// <summary>Our accept loop and socket stage (<see cref="SocketAcceptLoop"/>, <see cref="SocketConnectionStage"/>): the default.</summary>
    Sockets,
    /// <summary>Akka.IO's built-in <c>TcpStream()</c>, for comparison (PROXY_TRANSPORT=akka-io).</summary>
    AkkaIo,
}
