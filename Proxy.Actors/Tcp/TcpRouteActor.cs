using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Proxy.Actors.Connections;
using Proxy.Actors.Pools;
using Proxy.Actors.Tracing;
using Proxy.Actors.Transport;
using Proxy.Shared.Configuration;
using Proxy.Shared.Connections;
using Proxy.Shared.LoadBalancing;

namespace Proxy.Actors.Tcp;

/// <summary>
/// E3: one L4 route. Accepts on its own socket, picks a usable backend of the route's pool with the pool's
/// policy (cluster health, breaker and drain apply as for HTTP), connects with the pool's connect timeout
/// (another backend on failure, up to the pool's retry attempts), then splices the two sockets with two
/// <see cref="SocketConnectionStage"/>s joined through Akka.Streams' bidirectional idle timeout. Half-close
/// travels both ways; outcomes feed the pool's cluster state.
/// </summary>
public sealed class TcpRouteActor : ReceiveActor
{
    private readonly TcpRouteSettings _route;
    private readonly ProxyRuntime _runtime;
    private readonly Socket _listenSocket;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IMaterializer _materializer = null!;
    private IActorRef _self = ActorRefs.Nobody; // Self is not available from the async accept path
    private SocketAcceptLoop? _acceptLoop;
    private int _active;
    private readonly List<IActorRef> _drainWaiters = [];

    private sealed record SpliceEnded;

    public TcpRouteActor(TcpRouteSettings route, ProxyRuntime runtime, Socket listenSocket)
    {
        _route = route;
        _runtime = runtime;
        _listenSocket = listenSocket;
        // Graceful shutdown (GracefulShutdown treats TCP routes like listeners): stop accepting, then wait for
        // the open splices to end (each ends when both sides closed, or at its idle timeout).
        Receive<ClusterStateGate.Opened>(_ => StartAccepting());
        Receive<StopAccepting>(_ =>
        {
            _stopped = true;
            _acceptLoop?.Stop();
            Sender.Tell(new StoppedAccepting(_route.Name));
        });
        Receive<DrainConnections>(_ =>
        {
            if (Volatile.Read(ref _active) == 0) Sender.Tell(new ConnectionsDrained(_route.Name));
            else _drainWaiters.Add(Sender);
        });
        Receive<SpliceEnded>(_ =>
        {
            if (Volatile.Read(ref _active) != 0) return;
            foreach (var waiter in _drainWaiters) waiter.Tell(new ConnectionsDrained(_route.Name));
            _drainWaiters.Clear();
        });
    }

    public static Props Props(TcpRouteSettings route, ProxyRuntime runtime, Socket listenSocket) =>
        Akka.Actor.Props.Create(() => new TcpRouteActor(route, runtime, listenSocket));

    protected override void PreStart()
    {
        _materializer = Context.Materializer();
        _self = Self;
        _log.Info("TCP route {0} on {1} -> pool {2}", _route.Name, _listenSocket.LocalEndPoint, _route.Pool);
        // C2: as HTTP listeners, accept only once the pools have the cluster's state (connections wait in the backlog).
        if (_runtime.ClusterState?.IsOpenElseTell(Self) == false) return;
        StartAccepting();
    }

    private void StartAccepting()
    {
        if (_stopped) return; // shutdown began while waiting for the cluster's state
        // The same accept loop as HTTP listeners: each client's session starts on the accept's thread (it only picks
        // a backend and begins connecting before its first await).
        _acceptLoop = new SocketAcceptLoop(_listenSocket, client => _ = ServeAsync(client),
            e => _log.Warning("TCP route {0}: accept failed ({1}); accepting again shortly", _route.Name, e.Message));
        _acceptLoop.Start(1);
    }

    protected override void PostStop()
    {
        _acceptLoop?.Stop();
        _listenSocket.Dispose();
    }

    private bool _stopped;

    private async Task ServeAsync(Socket client)
    {
        var pool = _runtime.Current.Pools[_route.Pool];
        var clientKey = (client.RemoteEndPoint as IPEndPoint)?.Address.ToString();
        pool.Budget.RecordRequest();
        var span = _runtime.TcpTracing?.Start(_route.Name, _route.Pool, client.RemoteEndPoint);
        Backend? avoid = null;
        var error = "no_healthy_backend"; // the span's error.type if no backend takes the session
        // The same attempts, retry budget and backoff as an HTTP request to the pool.
        for (var retries = 0; ; retries++)
        {
            var backend = pool.Pick(new LoadBalancingContext(clientKey, avoid));
            if (backend is null) break;
            backend.BeginRequest();
            var started = Stopwatch.GetTimestamp();
            UpstreamConnection upstream;
            try
            {
                upstream = await UpstreamConnector.ConnectAsync(backend, pool.Settings.Timeouts.Connect).ConfigureAwait(false);
            }
            catch (Exception)
            {
                error = "upstream_connect_failed";
                pool.RecordFailure(backend, started);
                backend.EndRequest();
                avoid = backend;
                if (!pool.TryRetry(retries, out var backoff)) break;
                await Task.Delay(backoff).ConfigureAwait(false);
                continue;
            }
            backend.RecordSuccess(started);
            TcpSessionTracing.Connected(span, backend, retries + 1);
            Splice(client, upstream.Socket, backend, span);
            return;
        }
        _log.Warning("TCP route {0}: no backend of pool {1} could be reached; closing the client connection", _route.Name, _route.Pool);
        TcpSessionTracing.End(span, error);
        client.Dispose();
    }

    private void Splice(Socket client, Socket backendSocket, Backend backend, Activity? span)
    {
        try
        {
            var done = Flow.FromGraph(new SocketConnectionStage(client))
                .WatchTermination(Keep.Right)
                .Join(ByteSplice.To(backendSocket, _route.IdleTimeout))
                .Run(_materializer);
            Interlocked.Increment(ref _active);
            var self = _self;
            done.ContinueWith(_ =>
            {
                backend.EndRequest();
                TcpSessionTracing.End(span);
                Interlocked.Decrement(ref _active);
                self.Tell(new SpliceEnded());
            }, TaskContinuationOptions.ExecuteSynchronously);
        }
        catch (Exception e)
        {
            // The actor (and its materializer) is stopping.
            _log.Debug("TCP route {0}: splice not started: {1}", _route.Name, e.Message);
            client.Dispose();
            backendSocket.Dispose();
            backend.EndRequest();
            TcpSessionTracing.End(span, "node_stopping");
        }
    }
}
