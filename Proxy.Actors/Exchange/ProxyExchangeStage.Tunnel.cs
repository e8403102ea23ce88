using System.Net.Sockets;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Stage;
using Proxy.Actors.Transport;
using Proxy.Shared.Http;

namespace Proxy.Actors.Exchange;

// X2: CONNECT tunnels on forward listeners, and E2: Upgrade (WebSocket) after a backend's 101. After the 200
// (or 101) the connection's stream carries raw bytes: the decoder passes client bytes as body parts (its end part is
// the client's FIN) and the encoder writes our body parts unframed. This stage joins them to the node's one byte
// splice (ByteSplice, as L4 routes use it) on the target's socket: backpressure both ways, each half-close passed on,
// an idle tunnel closed.
public sealed partial class ProxyExchangeStage
{
    private sealed partial class Logic
    {
        private SubSourceOutlet<ByteString>? _toTarget;
        private SubSinkInlet<ByteString>? _fromTarget;
        /// <summary>No more bytes go to the target: the client sent FIN, or the target stopped taking them.</summary>
        private bool _clientFinished;
        private bool _targetFinished;
        private string? _tunnelError;
        /// <summary>Client bytes that arrived before the splice asked for any.</summary>
        private ByteString? _heldForTarget;

        private void StartTunnel(Socket socket, byte[] leftover, ResponseHeadPart head)
        {
            // From here every byte the client sends is the tunnel's.
            _context.Decide(tunnel: true);
            _phase = Phase.Tunnel;
            // The splice's own idle timeout governs from now on.
            _deadlineKind = DeadlineKind.None;
            Exchange.Status = head.Status;
            Emit(head);
            if (leftover.Length > 0)
            {
                Exchange.BytesOut += leftover.Length;
                Emit(new ResponseBodyPart(ByteString.FromBytes(leftover)));
            }
            // The target's side is the node's one byte splice, materialized into this connection's own interpreter.
            var ports = new TunnelPorts(this);
            _toTarget = new SubSourceOutlet<ByteString>(this, "tunnel.to-target");
            _toTarget.SetHandler(ports);
            _fromTarget = new SubSinkInlet<ByteString>(this, "tunnel.from-target");
            _fromTarget.SetHandler(ports);
            // Fused here: the connection's materializer runs graphs as given (its blueprint is fused once per listener).
            RunnableGraph.FromGraph(Fusing.Aggressive(Source.FromGraph(_toTarget.Source)
                    .Via(ByteSplice.To(socket, TimeSpan.FromMilliseconds(IdleTimeoutMs)))
                    .To(_fromTarget.Sink)))
                .Run(SubFusingMaterializer);
            if (_outQueue.Count == 0) _fromTarget.Pull();
        }

        /// <summary>The splice's ports, seen from this stage: bytes for the target leave through an outlet, the target's
        /// bytes arrive through an inlet.</summary>
        private sealed class TunnelPorts(Logic logic) : IInHandler, IOutHandler
        {
            public void OnPush() => logic.OnTargetBytes();
            public void OnUpstreamFinish() => logic.OnTargetFinished();
            public void OnUpstreamFailure(Exception e) => logic.EndTunnel(e is TimeoutException ? "tunnel idle timeout" : "tunnel target closed");
            public void OnPull() => logic.OnTargetWantsBytes();
            public void OnDownstreamFinish(Exception cause) => logic.OnTargetStoppedTaking();
        }

        // ------------------------------------------------ client → target

        private void OnTunnelPush(RequestPart part)
        {
            switch (part)
            {
                case RequestBodyPart body when !body.Data.IsEmpty:
                    Exchange.BytesIn += body.Data.Count;
                    if (_toTarget is not { IsClosed: false } toTarget)
                    {
                        // The target stopped taking bytes: the client's are dropped until its FIN.
                        Pull(_stage.In);
                        return;
                    }
                    // The client is pulled when the splice asks for bytes; only what was pulled before the tunnel began waits.
                    if (toTarget.IsAvailable) toTarget.Push(body.Data);
                    else _heldForTarget = body.Data;
                    return;
                case RequestEndPart:
                    OnTunnelClientClosed();
                    return;
                default:
                    if (!IsClosed(_stage.In)) Pull(_stage.In);
                    return;
            }
        }

        private void OnTargetWantsBytes()
        {
            if (_phase != Phase.Tunnel) return;
            if (_heldForTarget is { } held)
            {
                _heldForTarget = null;
                _toTarget!.Push(held);
                if (_clientFinished) _toTarget.Complete();
                return;
            }
            if (!HasBeenPulled(_stage.In) && !IsClosed(_stage.In)) Pull(_stage.In);
        }

        /// <summary>The client sent FIN: pass it on (half-close) and keep delivering the target's bytes.</summary>
        private void OnTunnelClientClosed()
        {
            if (_clientFinished || _phase != Phase.Tunnel) return;
            _clientFinished = true;
            // FIN follows the client's last bytes (sent when the splice asks for them, if still held).
            if (_toTarget is { IsClosed: false } toTarget && _heldForTarget is null) toTarget.Complete();
            if (_targetFinished && _outQueue.Count == 0) EndTunnel(null);
        }

        /// <summary>The target's socket stopped taking bytes (reset, or closed by the splice) before the client's FIN.</summary>
        private void OnTargetStoppedTaking()
        {
            if (_clientFinished || _phase != Phase.Tunnel) return;
            _clientFinished = true;
            _tunnelError = "tunnel target closed";
            if (_targetFinished && _outQueue.Count == 0) EndTunnel(null);
        }

        // ------------------------------------------------ target → client

        private void OnTargetBytes()
        {
            var data = _fromTarget!.Grab();
            Exchange.BytesOut += data.Count;
            Emit(new ResponseBodyPart(data));
        }

        /// <summary>The client's side may take more: the next bytes are asked of the target.</summary>
        private void OnTunnelPull()
        {
            if (_outQueue.Count == 0) PullTarget();
        }

        private void AfterTunnelPush()
        {
            if (_targetFinished)
            {
                FinishTunnelOutput();
                return;
            }
            if (IsAvailable(_stage.Out)) PullTarget();
        }

        private void PullTarget()
        {
            if (_fromTarget is { IsClosed: false, HasBeenPulled: false } fromTarget) fromTarget.Pull();
        }

        /// <summary>The target sent FIN (a reset reads as one): the client gets FIN once what is queued has left.</summary>
        private void OnTargetFinished()
        {
            if (_phase != Phase.Tunnel) return;
            _targetFinished = true;
            if (_outQueue.Count == 0) FinishTunnelOutput();
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

        private void EndTunnel(string? error)
        {
            if (_phase != Phase.Tunnel) return;
            Exchange.Error = error ?? _tunnelError;
            CompleteExchange(Exchange.Status);
            _phase = Phase.Closing;
            _exchange = null;
            CloseTunnel(abort: error is not null);
            CompleteStage();
        }

        /// <summary>Stops the splice where it still runs: after both FINs it finishes by itself (its last write
        /// included); otherwise the target's socket is closed.</summary>
        private void CloseTunnel(bool abort)
        {
            if (_toTarget is { IsClosed: false } toTarget)
            {
                if (abort) toTarget.Fail(new IOException("tunnel closed"));
                else toTarget.Complete();
            }
            if (_fromTarget is { IsClosed: false } fromTarget) fromTarget.Cancel();
        }
    }
}
