using System.Net;
using System.Net.Sockets;
using Akka.Streams;
using Akka.Streams.Stage;

namespace Proxy.Actors.Transport;

/// <summary>
/// Akka.Streams source of accepted client sockets from a bound listening socket: one accept per pull, so a
/// busy downstream stops accepting (the kernel backlog holds the rest). Cancelling the stream closes the
/// listening socket: the node stops accepting.
/// </summary>
public sealed class SocketListenerSource : GraphStage<SourceShape<Socket>>
{
    private readonly Socket _listener;

    public SocketListenerSource(Socket listener)
    {
        _listener = listener;
        Shape = new SourceShape<Socket>(Out);
    }

    public Outlet<Socket> Out { get; } = new("socket-listener.out");
    public override SourceShape<Socket> Shape { get; }

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("tcp-accept");

    /// <summary>Binds a listening socket (dual-mode for IPv6 any) with SO_REUSEADDR semantics of the platform.</summary>
    public static Socket Bind(IPEndPoint endpoint, int backlog = 4096)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            socket.Bind(endpoint);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : OutGraphStageLogic
    {
        private readonly SocketListenerSource _stage;
        private readonly Action<Task<Socket>> _onAccepted;

        public Logic(SocketListenerSource stage) : base(stage.Shape)
        {
            _stage = stage;
            _onAccepted = GetAsyncCallback<Task<Socket>>(OnAccepted);
            SetHandler(stage.Out, this);
        }

        public override void OnPull()
        {
            Task<Socket> accept;
            try
            {
                accept = _stage._listener.AcceptAsync();
            }
            catch (ObjectDisposedException)
            {
                CompleteStage();
                return;
            }
            if (accept.IsCompleted) OnAccepted(accept);
            else accept.ContinueWith(_onAccepted, TaskContinuationOptions.ExecuteSynchronously);
        }

        private void OnAccepted(Task<Socket> accept)
        {
            if (accept.IsCompletedSuccessfully)
            {
                var socket = accept.Result;
                socket.NoDelay = true;
                Push(_stage.Out, socket);
                return;
            }
            if (accept.Exception?.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionAborted or SocketError.ConnectionReset })
            {
                OnPull();
                return;
            }
            // The listening socket was closed (unbind) or failed for good.
            CompleteStage();
        }

        public override void OnDownstreamFinish(Exception cause)
        {
            _stage._listener.Dispose();
            base.OnDownstreamFinish(cause);
        }

        public override void PostStop() => _stage._listener.Dispose();
    }
}
