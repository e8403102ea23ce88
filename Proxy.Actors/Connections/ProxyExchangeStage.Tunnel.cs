using System.Net.Sockets;
using Akka.IO;
using Proxy.Actors.Forwarding;
using Proxy.Actors.Pools;
using Proxy.Actors.Transport;
using Proxy.Shared.Configuration;
using Proxy.Shared.Forwarding;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Connections;

// X2: CONNECT tunnels on forward listeners, and E2: Upgrade (WebSocket) after a backend's 101. After the 200
// (or 101) the connection's stream carries raw bytes: the
// decoder passes client bytes as body parts (its end part is the client's FIN) and the encoder writes our
// body parts unframed. This stage splices them to the tunnel socket with backpressure both ways (one send
// and one receive in flight at most), passes each half-close on, and closes an idle tunnel.
public sealed partial class ProxyExchangeStage
{
    private const int TunnelReadSize = 16 * 1024;

    private sealed partial class Logic
    {
        private Socket? _tunnel;
        private byte[]? _tunnelBuffer;
        private bool _tunnelReading;
        private bool _clientFinished;
        private bool _targetFinished;
        private long _tunnelActivity;
        private ValueTask<int> _tunnelSend;
        private ValueTask<int> _tunnelReceive;
        private Action<Task<TunnelOpener.Result>>? _onTunnelOpened;
        private Action? _onTunnelSent;
        private Action? _onTunnelReceived;
        private Action? _tunnelSentContinuation;
        private Action? _tunnelReceivedContinuation;

        private void BeginTunnel(HttpRequestHead head, ForwardRuntime forward, UpstreamProxy? proxy)
        {
            _closeAfterResponse = true; // a tunnel, or its refusal, ends the connection
            var authority = head.Authority;
            Backend via;
            if (proxy is null)
            {
                HostPort.TryParse(authority, 1, out var target, out _);
                via = new Backend(new BackendSettings { Address = authority, Host = target.Host, Port = target.Port }, forward.Settings.Connections);
            }
            else if (!forward.TryGetUpstream(proxy, out via))
            {
                RespondLocal(ProxyError.TooManyUpstreamProxies, close: true);
                return;
            }
            var exchange = Exchange;
            exchange.UpstreamProxy = proxy;
            exchange.UpstreamAddress = proxy?.Display ?? authority;
            _phase = Phase.Connecting;
            _onTunnelOpened ??= GetAsyncCallback<Task<TunnelOpener.Result>>(OnTunnelOpened);
            var timeouts = forward.Settings.Timeouts;
            TunnelOpener.OpenAsync(authority, via, proxy, proxy is null ? forward.TargetGuard : forward.UpstreamGuard,
                    timeouts.Connect, timeouts.Response)
                .ContinueWith(_onTunnelOpened, TaskContinuationOptions.ExecuteSynchronously);
        }

        private void OnTunnelOpened(Task<TunnelOpener.Result> opened)
        {
            var result = opened.IsCompletedSuccessfully ? opened.Result : TunnelOpener.Result.Fail(ProxyError.UpstreamConnectFailed, "tunnel could not be opened");
            if (_phase != Phase.Connecting || _exchange is null)
            {
                // The client left while the tunnel was being opened.
                result.Socket?.Dispose();
                return;
            }
            if (result.Socket is null)
            {
                RespondLocal(result.Error, close: true, result.Reason);
                return;
            }
            StartTunnel(result.Socket, result.Leftover, new ResponseHeadPart
            {
                Status = 200, Reason = "Connection Established", Headers = new HttpHeaderList(0), Framing = BodyFraming.UntilClose,
            });
        }

        /// <summary>
        /// E2: the backend switched protocols (101) for an Upgrade request. Its connection leaves the pool and
        /// becomes the tunnel; the 101 goes to the client with the Upgrade fields, then bytes are spliced.
        /// </summary>
        private void BeginUpgradeTunnel(HttpResponseHead head)
        {
            var conn = _conn!;
            if (conn.Tls is not null)
            {
                // The splice works on sockets; an upgrade over a TLS backend connection is not spliced (yet).
                RespondUpstreamError(ProxyError.UpgradeOverTls);
                return;
            }
            _conn = null;
            var exchange = Exchange;
            exchange.Backend?.RecordSuccess(exchange.AttemptStart);
            var leftover = conn.Buffered > 0 ? conn.Buffer.AsSpan(conn.ReadStart, conn.Buffered).ToArray() : [];
            // The socket now belongs to the tunnel (closed by CloseTunnel), no longer to the backend's pool.
            conn.Backend.Connections.Unreserve();
            ReleaseBackend();
            var headers = head.Headers;
            var upgrade = headers.Get("Upgrade");
            HopByHopHeaders.Strip(headers);
            RunResponseHeadFilters(head);
            headers.Add("Connection", "Upgrade");
            if (upgrade is not null) headers.Add("Upgrade", upgrade);
            StartTunnel(conn.Socket, leftover, new ResponseHeadPart
            {
                Status = 101, Reason = head.Reason, Headers = headers, Framing = BodyFraming.UntilClose,
            });
        }

        private void StartTunnel(Socket socket, byte[] leftover, ResponseHeadPart head)
        {
            // From here every byte the client sends is the tunnel's.
            _context.Decide(tunnel: true);
            _tunnel = socket;
            _tunnelBuffer = new byte[TunnelReadSize];
            _onTunnelSent = GetAsyncCallback(OnTunnelSent);
            _onTunnelReceived = GetAsyncCallback(OnTunnelReceived);
            _tunnelSentContinuation = () => IoInlineExecutor.RunInline(_onTunnelSent);
            _tunnelReceivedContinuation = () => IoInlineExecutor.RunInline(_onTunnelReceived);
            _phase = Phase.Tunnel;
            Exchange.Status = head.Status;
            Emit(head);
            if (leftover.Length > 0)
            {
                Exchange.BytesOut += leftover.Length;
                Emit(new ResponseBodyPart(ByteString.FromBytes(leftover)));
            }
            TouchTunnel();
            SetDeadline(DeadlineKind.TunnelIdle, IdleTimeoutMs);
            if (!HasBeenPulled(_stage.In) && !IsClosed(_stage.In)) Pull(_stage.In);
            if (_outQueue.Count == 0) StartTunnelReceive();
        }

        private void TouchTunnel() => _tunnelActivity = Environment.TickCount64;

        // ------------------------------------------------ client → target

        private void OnTunnelPush(RequestPart part)
        {
            switch (part)
            {
                case RequestBodyPart body when !body.Data.IsEmpty:
                    Exchange.BytesIn += body.Data.Count;
                    TouchTunnel();
                    StartTunnelSend(body.Data);
                    return;
                case RequestEndPart:
                    OnTunnelClientClosed();
                    return;
                default:
                    if (!IsClosed(_stage.In)) Pull(_stage.In);
                    return;
            }
        }

        private void StartTunnelSend(ByteString data)
        {
            ValueTask<int> send;
            try
            {
                var segments = ByteStringSegments.Of(data);
                send = segments.Count == 1
                    ? _tunnel!.SendAsync(segments[0].AsMemory(), SocketFlags.None)
                    : new ValueTask<int>(_tunnel!.SendAsync(segments, SocketFlags.None));
            }
            catch (Exception)
            {
                EndTunnel("tunnel target closed");
                return;
            }
            _tunnelSend = send;
            if (send.IsCompleted) OnTunnelSent();
            else send.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_tunnelSentContinuation!);
        }

        private void OnTunnelSent()
        {
            try
            {
                _tunnelSend.GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                _tunnelSend = default;
                EndTunnel("tunnel target closed");
                return;
            }
            _tunnelSend = default;
            if (_phase != Phase.Tunnel) return;
            if (!HasBeenPulled(_stage.In) && !IsClosed(_stage.In)) Pull(_stage.In);
        }

        /// <summary>The client sent FIN: pass it on (half-close) and keep delivering the target's bytes.</summary>
        private void OnTunnelClientClosed()
        {
            if (_clientFinished || _phase != Phase.Tunnel) return;
            _clientFinished = true;
            try
            {
                _tunnel!.Shutdown(SocketShutdown.Send);
            }
            catch (Exception)
            {
                EndTunnel(null);
                return;
            }
            if (_targetFinished) EndTunnel(null);
        }

        // ------------------------------------------------ target → client

        private void OnTunnelPull()
        {
            if (_outQueue.Count == 0 && !_tunnelReading && !_targetFinished) StartTunnelReceive();
        }

        private void AfterTunnelPush()
        {
            if (_targetFinished)
            {
                FinishTunnelOutput();
                return;
            }
            if (IsAvailable(_stage.Out) && !_tunnelReading) StartTunnelReceive();
        }

        private void StartTunnelReceive()
        {
            if (_tunnel is null || _targetFinished || _tunnelReading) return;
            _tunnelReading = true;
            ValueTask<int> receive;
            try
            {
                receive = _tunnel.ReceiveAsync(_tunnelBuffer.AsMemory(), SocketFlags.None);
            }
            catch (Exception)
            {
                receive = ValueTask.FromResult(0);
            }
            _tunnelReceive = receive;
            if (receive.IsCompleted) OnTunnelReceived();
            else receive.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_tunnelReceivedContinuation!);
        }

        private void OnTunnelReceived()
        {
            _tunnelReading = false;
            int n;
            try
            {
                n = _tunnelReceive.GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                n = 0;
            }
            _tunnelReceive = default;
            if (_phase != Phase.Tunnel) return;
            if (n <= 0)
            {
                // The target sent FIN (or reset): the client gets FIN once what is queued has left.
                _targetFinished = true;
                if (_outQueue.Count == 0) FinishTunnelOutput();
                return;
            }
            Exchange.BytesOut += n;
            TouchTunnel();
            // The receive buffer is reused, so the bytes are copied into an array the ByteString owns.
            Emit(new ResponseBodyPart(ByteString.FromBytes(_tunnelBuffer.AsSpan(0, n).ToArray())));
        }

        private void FinishTunnelOutput()
        {
            if (_clientFinished)
            {
                EndTunnel(null);
                return;
            }
            // Half-close towards the client; its bytes may still flow to the target.
            if (!IsClosed(_stage.Out)) Complete(_stage.Out);
        }

        // ------------------------------------------------ end

        private void OnTunnelIdleCheck(long now)
        {
            var idleMs = IdleTimeoutMs;
            var quietFor = now - _tunnelActivity;
            if (quietFor >= idleMs)
            {
                EndTunnel("tunnel idle timeout");
                return;
            }
            SetDeadline(DeadlineKind.TunnelIdle, idleMs - quietFor);
        }

        private void EndTunnel(string? error)
        {
            if (_phase != Phase.Tunnel) return;
            Exchange.Error = error;
            CompleteExchange(Exchange.Status);
            _phase = Phase.Closing;
            _exchange = null;
            CloseTunnel();
            CompleteStage();
        }

        private void CloseTunnel()
        {
            var tunnel = _tunnel;
            if (tunnel is null) return;
            _tunnel = null;
            try
            {
                tunnel.Shutdown(SocketShutdown.Both);
            }
            catch (Exception)
            {
                // Already reset.
            }
            tunnel.Dispose();
        }
    }
}
