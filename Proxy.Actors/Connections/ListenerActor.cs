using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Proxy.Actors.Exchange;
using Proxy.Actors.Http;
using Proxy.Actors.Tls;
using Proxy.Actors.Transport;
using Proxy.Shared.Configuration;
using Proxy.Shared.Connections;

namespace Proxy.Actors.Connections;

/// <summary>
/// Owns one listening socket: accepts connections through <see cref="SocketListenerSource"/> and runs each as
/// its own fused stream (socket stage ⇄ decoder → exchange → encoder) materialized as a child of this actor,
/// so every connection is an actor under <c>/user/listeners/NAME</c>. Enforces max-connections (excess get a
/// 503 and are closed, and counted) and drains connections on shutdown.
/// </summary>
public sealed class ListenerActor : ReceiveActor
{
    private sealed record Accepted(Socket Socket);
    private sealed record Closed(ConnectionHandle Handle);
    private sealed record StreamInit;
    private sealed record StreamAck;
    private sealed record StreamDone;

    private const string AtLimit = "listener at max-connections";
    private const string Stopping = "listener stopping";
    private static readonly byte[] AtLimitResponse = Refusal(AtLimit);
    private static readonly byte[] StoppingResponse = Refusal(Stopping);

    private static byte[] Refusal(string reason)
    {
        var body = "503 Service Unavailable: " + reason + "\n";
        return System.Text.Encoding.ASCII.GetBytes("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n" +
            "Content-Length: " + body.Length + "\r\nConnection: close\r\n\r\n" + body);
    }

    /// <summary>The refusal for a connection <see cref="Admit"/> turned away, and why.</summary>
    private (byte[] Response, string Reason) RefusalNow => _accepting ? (AtLimitResponse, AtLimit) : (StoppingResponse, Stopping);

    /// <summary>Dispatcher the node configures for connection streams.</summary>
    public const string ConnectionDispatcher = "proxy-connection-dispatcher";

    private ListenerSettings _settings;
    private readonly ProxyRuntime _runtime;
    private readonly Socket _listenSocket;
    private readonly string _address;
    private readonly HashSet<ConnectionHandle> _open = new();
    private readonly List<IActorRef> _drainWaiters = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IMaterializer? _materializer;
    private IRunnableGraph<ConnectionHandle>? _connectionGraph;
    private Flow<ByteString, ByteString, ConnectionHandle>? _httpGraph;
    private UniqueKillSwitch? _acceptSwitch;
    private bool _accepting = true;
    private long _accepted;
    private long _refused;
    private readonly Metrics.ConnectionMetrics.ListenerSeries _metrics;

    private readonly ListenerTransport _transport;
    private Akka.Streams.Dsl.Tcp.ServerBinding? _akkaIoBinding;

    private CertificateStore? _certificates;
    private TlsListenerOptions? _tls;

    public ListenerActor(ListenerSettings settings, ProxyRuntime runtime, Socket listenSocket,
        ListenerTransport transport = ListenerTransport.Sockets, CertificateStore? certificates = null)
    {
        _transport = transport;
        _certificates = certificates;
        _settings = settings;
        _tls = certificates is null ? null
            : new TlsListenerOptions(settings.Name, settings.Tls ?? throw new ArgumentException("a TLS listener needs its tls settings"), certificates);
        _runtime = runtime;
        _metrics = runtime.ConnectionMetrics.For(settings.Name);
        _listenSocket = listenSocket;
        _address = listenSocket.LocalEndPoint?.ToString() ?? settings.Address;

        Receive<StreamInit>(_ => Sender.Tell(new StreamAck()));
        Receive<Pools.ClusterStateGate.Opened>(_ =>
        {
            if (_accepting) StartAccepting(); // not when shutdown began while waiting
        });
        Receive<Accepted>(a =>
        {
            OnAccepted(a.Socket);
            Sender.Tell(new StreamAck());
        });
        Receive<StreamDone>(_ => _accepting = false);
        Receive<Akka.Streams.Dsl.Tcp.IncomingConnection>(c =>
        {
            OnAcceptedAkkaIo(c);
            Sender.Tell(new StreamAck());
        });
        Receive<Akka.Streams.Dsl.Tcp.ServerBinding>(b => _akkaIoBinding = b);
        Receive<Closed>(c =>
        {
            _open.Remove(c.Handle);
            _metrics.Open(_open.Count);
            if (_open.Count == 0) ReplyDrained();
        });
        Receive<StopAccepting>(_ =>
        {
            StopAcceptingConnections();
            Sender.Tell(new StoppedAccepting(_settings.Name));
        });
        Receive<DrainConnections>(_ =>
        {
            StopAcceptingConnections();
            _drainWaiters.Add(Sender);
            foreach (var handle in _open) handle.Drain();
            if (_open.Count == 0) ReplyDrained();
        });
        Receive<GetListenerStatus>(_ => Sender.Tell(new ListenerStatus(_settings.Name, _address, _accepting,
            _open.Count, _accepted, _refused)));
        Receive<UpdateListener>(OnUpdate);
    }

    /// <summary>O6: a config revision changed this listener but not its address (max-connections, mode, forward guard, TLS
    /// certificates): new connections take the new settings; open ones keep theirs, with their handshake done.</summary>
    public sealed record UpdateListener(ListenerSettings Settings, CertificateStore? Certificates);

    private void OnUpdate(UpdateListener update)
    {
        var previous = _certificates;
        _settings = update.Settings;
        _certificates = update.Certificates;
        _certificates?.AttachLog(_log);
        _tls = _certificates is null ? null
            : new TlsListenerOptions(_settings.Name, _settings.Tls ?? throw new ArgumentException("a TLS listener needs its tls settings"), _certificates) { Log = _log };
        BuildConnectionGraphs();
        // A handshake that began with the previous certificates may still read them: they are released a minute later.
        if (previous is not null && !ReferenceEquals(previous, _certificates))
            Context.System.Scheduler.Advanced.ScheduleOnce(TimeSpan.FromMinutes(1), previous.Dispose);
        _log.Info("Listener {0} on {1}: settings of a new config revision taken", _settings.Name, _address);
    }

    public static Props Props(ListenerSettings settings, ProxyRuntime runtime, Socket listenSocket,
        ListenerTransport transport = ListenerTransport.Sockets, CertificateStore? certificates = null) =>
        Akka.Actor.Props.Create(() => new ListenerActor(settings, runtime, listenSocket, transport, certificates));

    protected override void PreStart()
    {
        // Connection streams run on the connection dispatcher (see IoInlineExecutor) when the node configured one.
        var settings = ActorMaterializerSettings.Create(Context.System);
        if (Context.System.Settings.Config.HasPath(ConnectionDispatcher))
            settings = settings.WithDispatcher(ConnectionDispatcher);
        _materializer = Context.Materializer(settings, namePrefix: "conn");
        _certificates?.AttachLog(_log);
        if (_tls is not null) _tls.Log = _log;
        BuildConnectionGraphs();
        // C2: connections wait in the socket's backlog until the node has the cluster's state of its pools.
        if (_runtime.ClusterState?.IsOpenElseTell(Self) == false)
        {
            _log.Info("Listener {0} on {1} waits for the cluster's pool state before accepting", _settings.Name, _address);
            return;
        }
        StartAccepting();
    }

    private void StartAccepting()
    {
        if (_transport == ListenerTransport.AkkaIo)
        {
            StartAkkaIo();
            return;
        }
        _acceptSwitch = Source.FromGraph(new SocketListenerSource(_listenSocket))
            .ViaMaterialized(KillSwitches.Single<Socket>(), Keep.Right)
            .To(Sink.ActorRefWithAck<Socket>(Self, new StreamInit(), new StreamAck(), new StreamDone(),
                _ => new StreamDone()))
            .Run(_materializer);
        _log.Info("Listener {0} ({1}) accepting on {2}", _settings.Name, _settings.Mode, _address);
    }

    protected override bool AroundReceive(Receive receive, object message)
    {
        // The accept sink sends raw sockets; wrap them so the protocol stays typed.
        if (message is Socket socket) message = new Accepted(socket);
        return base.AroundReceive(receive, message);
    }

    protected override void PostStop()
    {
        _acceptSwitch?.Shutdown();
        _akkaIoBinding?.Unbind();
        _listenSocket.Dispose();
    }

    private void OnAccepted(Socket socket)
    {
        if (!Admit())
        {
            var (response, reason) = RefusalNow;
            LogRefused(ClientAddress(socket.RemoteEndPoint), reason, response.Length);
            Refuse(socket, response);
            return;
        }
        var client = ClientAddress(socket.RemoteEndPoint);
        ConnectionHandle handle;
        try
        {
            var setup = new ConnectionSetup(socket, client, _runtime.Current.Limits);
            handle = ConnectionSetup.Materialize(setup, () => _connectionGraph!.Run(_materializer!));
        }
        catch (Exception e)
        {
            _log.Warning("Connection from {0} could not start: {1}", client, e.Message);
            socket.Dispose();
            return;
        }
        Track(handle);
    }

    /// <summary>
    /// The built-in Akka.IO transport, kept selectable (PROXY_TRANSPORT=akka-io) so scripts/bench.sh can compare
    /// it with the socket stages on the same codec and exchange logic.
    /// </summary>
    private void StartAkkaIo()
    {
        var endpoint = (IPEndPoint)_listenSocket.LocalEndPoint!;
        _listenSocket.Dispose();
        var self = Self;
        var (binding, kill) = Context.System.TcpStream()
            .Bind(endpoint.Address.ToString(), endpoint.Port, backlog: 4096, halfClose: false)
            .ViaMaterialized(KillSwitches.Single<Akka.Streams.Dsl.Tcp.IncomingConnection>(), Keep.Both)
            .To(Sink.ActorRefWithAck<Akka.Streams.Dsl.Tcp.IncomingConnection>(self, new StreamInit(), new StreamAck(),
                new StreamDone(), _ => new StreamDone()))
            .Run(_materializer!);
        _acceptSwitch = kill;
        binding.PipeTo(self);
        _log.Info("Listener {0} ({1}) accepting on {2} with the Akka.IO transport", _settings.Name, _settings.Mode, _address);
    }

    private void OnAcceptedAkkaIo(Akka.Streams.Dsl.Tcp.IncomingConnection connection)
    {
        if (!Admit())
        {
            var (response, reason) = RefusalNow;
            LogRefused(ClientAddress(connection.RemoteAddress), reason, response.Length);
            connection.Flow.RunWith(Source.Single(ByteString.FromBytes(response)), Sink.Ignore<ByteString>(), _materializer!);
            return;
        }
        var client = ClientAddress(connection.RemoteAddress);
        var setup = new ConnectionSetup(null, client, _runtime.Current.Limits);
        var handle = ConnectionSetup.Materialize(setup,
            () => connection.Flow.JoinMaterialized(_httpGraph!, Keep.Right).Run(_materializer!));
        Track(handle);
    }

    /// <summary>Builds and fuses the connection graphs once; every connection materializes these blueprints.</summary>
    private void BuildConnectionGraphs()
    {
        var http = Flow.FromGraph(new HttpRequestDecoderStage())
            .ViaMaterialized(new ProxyExchangeStage(_runtime, _settings), Keep.Right)
            .Via(new HttpResponseEncoderStage());
        _httpGraph = Flow.FromGraph(Fusing.Aggressive(http));
        // E1: a TLS listener's bytes pass through SslStream (certificate by SNI) instead of the plain socket stage.
        IGraph<FlowShape<ByteString, ByteString>, Akka.NotUsed> transport = _tls is null
            ? new SocketConnectionStage()
            : new TlsConnectionStage(_tls);
        _connectionGraph = RunnableGraph.FromGraph(Fusing.Aggressive(
            Flow.FromGraph(transport).JoinMaterialized(http, Keep.Right)));
    }

    private void Track(ConnectionHandle handle)
    {
        _open.Add(handle);
        _metrics.Open(_open.Count);
        var self = Self;
        handle.Closed.ContinueWith(_ => self.Tell(new Closed(handle)), TaskContinuationOptions.ExecuteSynchronously);
    }

    /// <summary>Whether a new connection may start (still accepting, under max-connections); counts it.</summary>
    private bool Admit()
    {
        // While the node drains, connections are still accepted until the listener stops (their responses carry
        // Connection: close): load balancers need the drain delay to move away.
        if (!_accepting || _open.Count >= _settings.MaxConnections)
        {
            _refused++;
            _metrics.Refused(stopping: !_accepting);
            return false;
        }
        _accepted++;
        _metrics.Accepted();
        return true;
    }

    private static string ClientAddress(EndPoint? remote) => remote is IPEndPoint ip
        ? (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address).ToString()
        : "unknown";

    /// <summary>A refused connection is answered before its request is read: the access log has no method or path.</summary>
    private void LogRefused(string client, string reason, int bytesOut)
    {
        if (!_runtime.AccessLog.Enabled) return;
        _runtime.AccessLog.Write(new Logging.AccessLogEntry
        {
            Time = DateTime.UtcNow, Client = client, Method = "-", Host = "-", Path = "-", Status = 503,
            BytesOut = bytesOut, Error = "refused: " + reason + " (" + _settings.Name + ")",
        });
    }

    private static void Refuse(Socket socket, byte[] response)
    {
        try
        {
            socket.Blocking = false;
            socket.Send(response, SocketFlags.None, out _);
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception)
        {
            // The client may be gone already; closing is all that matters.
        }
        socket.Dispose();
    }

    private void StopAcceptingConnections()
    {
        if (!_accepting) return;
        _accepting = false;
        _acceptSwitch?.Shutdown();
        _akkaIoBinding?.Unbind();
        _listenSocket.Dispose();
        _log.Info("Listener {0} stopped accepting ({1} connections open)", _settings.Name, _open.Count);
    }

    private void ReplyDrained()
    {
        foreach (var waiter in _drainWaiters) waiter.Tell(new ConnectionsDrained(_settings.Name));
        _drainWaiters.Clear();
    }
}
