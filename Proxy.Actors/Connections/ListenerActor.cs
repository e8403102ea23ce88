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
/// Owns one listening socket: accepts connections (<see cref="SocketAcceptLoop"/>) and starts each right on the
/// accept's thread (<see cref="ConnectionStarter"/>) as its own fused stream (socket stage ⇄ decoder → exchange →
/// encoder) materialized under this actor, so every connection is an actor under <c>/user/listeners/NAME</c>.
/// Enforces max-connections (excess get a 503 and are closed, and counted; <see cref="ConnectionRegistry"/>),
/// answers status, takes a config revision's settings for new connections and drains connections on shutdown.
/// </summary>
public sealed class ListenerActor : ReceiveActor
{
    private sealed record AllClosed;
    private sealed record StreamInit;
    private sealed record StreamAck;
    private sealed record StreamDone;

    /// <summary>Dispatcher the node configures for connection streams.</summary>
    public const string ConnectionDispatcher = "proxy-connection-dispatcher";

    /// <summary>Accepts outstanding at once. One, as an nginx worker has: under churn the next accept mostly completes at once
    /// from the backlog; with two, measured, the extra accept's completions woke more pool threads (8–9 vs 9–12 context
    /// switches per connection) for fewer connections/s.</summary>
    private const int AcceptConcurrency = 1;

    private ListenerSettings _settings;
    private readonly ProxyRuntime _runtime;
    private readonly Socket _listenSocket;
    private readonly string _address;
    private readonly ConnectionRegistry _connections;
    private readonly List<IActorRef> _drainWaiters = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    /// <summary>Runs graphs as given, without fusing them again (see <see cref="PreStart"/>): what it runs is fused here.</summary>
    private IMaterializer? _materializer;
    private ConnectionStarter? _starter;
    private SocketAcceptLoop? _acceptLoop;
    private Flow<ByteString, ByteString, ConnectionHandle>? _httpGraph;
    private UniqueKillSwitch? _acceptSwitch;

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
        var self = Self;
        _connections = new ConnectionRegistry(runtime.ConnectionMetrics.For(settings.Name), () => self.Tell(new AllClosed()));
        _listenSocket = listenSocket;
        _address = listenSocket.LocalEndPoint?.ToString() ?? settings.Address;

        Receive<StreamInit>(_ => Sender.Tell(new StreamAck()));
        Receive<Pools.ClusterStateGate.Opened>(_ =>
        {
            if (_connections.Accepting) StartAccepting(); // not when shutdown began while waiting
        });
        Receive<StreamDone>(_ => _connections.StopAccepting());
        Receive<Akka.Streams.Dsl.Tcp.IncomingConnection>(c =>
        {
            OnAcceptedAkkaIo(c);
            Sender.Tell(new StreamAck());
        });
        Receive<Akka.Streams.Dsl.Tcp.ServerBinding>(b => _akkaIoBinding = b);
        Receive<AllClosed>(_ => ReplyDrained());
        Receive<StopAccepting>(_ =>
        {
            StopAcceptingConnections();
            Sender.Tell(new StoppedAccepting(_settings.Name));
        });
        Receive<DrainConnections>(_ =>
        {
            StopAcceptingConnections();
            _drainWaiters.Add(Sender);
            _connections.DrainAll();
        });
        Receive<GetListenerStatus>(_ =>
        {
            var (accepted, refused) = _connections.Totals;
            Sender.Tell(new ListenerStatus(_settings.Name, _address, _connections.Accepting, _connections.Open, accepted, refused));
        });
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
        _starter!.Use(BuildConnectionGraphs());
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
        // With auto-fusing on (Akka's default) every Run dissolves a fused graph and fuses it again: the blueprint
        // the listener fused once was re-fused per connection (~19 KB of the 47 KB a new connection allocated, and the
        // top Akka frames of its profile). So this materializer does not fuse, and every graph run here is fused by
        // this actor (RunFused).
        _materializer = Context.Materializer(settings.WithAutoFusing(false), namePrefix: "conn");
        _certificates?.AttachLog(_log);
        if (_tls is not null) _tls.Log = _log;
        _starter = new ConnectionStarter(_runtime, _connections, _materializer, _log, BuildConnectionGraphs());
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
        _acceptLoop = new SocketAcceptLoop(_listenSocket, _starter!.Start,
            e => _log.Warning("Listener {0} on {1}: accept failed ({2}); accepting again shortly", _settings.Name, _address, e.Message));
        _acceptLoop.Start(AcceptConcurrency);
        _log.Info("Listener {0} ({1}) accepting on {2}", _settings.Name, _settings.Mode, _address);
    }

    protected override void PostStop()
    {
        _acceptLoop?.Stop();
        _acceptSwitch?.Shutdown();
        _akkaIoBinding?.Unbind();
        _listenSocket.Dispose();
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
        var (binding, kill) = RunFused(Context.System.TcpStream()
            .Bind(endpoint.Address.ToString(), endpoint.Port, backlog: 4096, halfClose: false)
            .ViaMaterialized(KillSwitches.Single<Akka.Streams.Dsl.Tcp.IncomingConnection>(), Keep.Both)
            .To(Sink.ActorRefWithAck<Akka.Streams.Dsl.Tcp.IncomingConnection>(self, new StreamInit(), new StreamAck(),
                new StreamDone(), _ => new StreamDone())));
        _acceptSwitch = kill;
        binding.PipeTo(self);
        _log.Info("Listener {0} ({1}) accepting on {2} with the Akka.IO transport", _settings.Name, _settings.Mode, _address);
    }

    private void OnAcceptedAkkaIo(Akka.Streams.Dsl.Tcp.IncomingConnection connection)
    {
        var client = ConnectionStarter.ClientAddress(connection.RemoteAddress);
        if (_starter!.Admit(client) is { } refusal)
        {
            RunFused(Source.Single(ByteString.FromBytes(refusal)).Via(connection.Flow).To(Sink.Ignore<ByteString>()));
            return;
        }
        var setup = new ConnectionSetup(null, client, _runtime.Current.Limits);
        var handle = ConnectionSetup.Materialize(setup,
            () => RunFused(connection.Flow.JoinMaterialized(_httpGraph!, Keep.Right)));
        _connections.Track(handle);
    }

    private TMat RunFused<TMat>(IGraph<ClosedShape, TMat> graph) =>
        RunnableGraph.FromGraph(Fusing.Aggressive(graph)).Run(_materializer!);

    /// <summary>Builds and fuses the connection graphs once; every connection materializes these blueprints.</summary>
    private ConnectionStarter.Blueprint BuildConnectionGraphs()
    {
        var http = Flow.FromGraph(new HttpRequestDecoderStage())
            .ViaMaterialized(new ProxyExchangeStage(_runtime, _settings), Keep.Right)
            .Via(new HttpResponseEncoderStage());
        _httpGraph = Flow.FromGraph(Fusing.Aggressive(http));
        // E1: a TLS listener's bytes pass through SslStream (certificate by SNI) instead of the plain socket stage.
        IGraph<FlowShape<ByteString, ByteString>, Akka.NotUsed> transport = _tls is null
            ? new SocketConnectionStage()
            : new TlsConnectionStage(_tls);
        return new ConnectionStarter.Blueprint(_settings, RunnableGraph.FromGraph(Fusing.Aggressive(
            Flow.FromGraph(transport).JoinMaterialized(http, Keep.Right))));
    }

    private void StopAcceptingConnections()
    {
        if (!_connections.Accepting) return;
        _connections.StopAccepting();
        _acceptLoop?.Stop();
        _acceptSwitch?.Shutdown();
        _akkaIoBinding?.Unbind();
        _listenSocket.Dispose();
        _log.Info("Listener {0} stopped accepting ({1} connections open)", _settings.Name, _connections.Open);
    }

    private void ReplyDrained()
    {
        foreach (var waiter in _drainWaiters) waiter.Tell(new ConnectionsDrained(_settings.Name));
        _drainWaiters.Clear();
    }
}
