using Proxy.Actors.Connections;
using Akka.IO;
using Proxy.Actors.Upstream;
using Proxy.Shared.Http;

namespace Proxy.Actors.Exchange;

// The request on its way up: the head, then the body as the client sends it (pulled only after the previous write
// completed, so backpressure holds end to end), framed by UpstreamRequestWriter.
public sealed partial class ProxyExchangeStage
{
    private sealed partial class Logic
    {
        private void SendHead()
        {
            _phase = Phase.Forwarding;
            var exchange = Exchange;
            var head = exchange.Request!;
            _sendIsLast = !head.HasBody;
            AfterSendStarted(_upstream.SendHead(head,
                UpstreamRequestWriter.TargetFor(head, exchange.UpstreamProxy is not null, exchange.UpstreamTarget)));
            // Read from the start: a backend may answer (e.g. 413) before the request body is complete. (A send that
            // failed at once may have ended this attempt already, or begun the next one, which reads for itself.)
            if (_phase == Phase.Forwarding && _upstream.IsOpen && !_upstream.Receiving && Exchange.Response is null) StartRead();
        }

        private void AfterSendStarted(bool completedNow)
        {
            if (completedNow)
            {
                OnUpstreamSent();
                return;
            }
            // The backend is not taking bytes right now: it has timeouts.send to make room.
            _sendDeadline = Environment.TickCount64 + SendTimeoutMs;
            ArmTimeout(SendTimeoutMs);
        }

        private void OnUpstreamSent()
        {
            _sendDeadline = 0;
            var sent = _upstream.EndSend();
            if (_phase is not (Phase.Forwarding or Phase.ResponseBody) || !_upstream.IsOpen) return;
            if (!sent)
            {
                OnUpstreamBroken("upstream closed the connection while sending");
                return;
            }
            var exchange = Exchange;
            if (exchange.Response is not null && exchange.ResponseDone) return;
            if (!exchange.RequestBodyStarted)
            {
                // Head sent.
                if (exchange.Request!.HasBody)
                {
                    exchange.RequestBodyStarted = true;
                    if (exchange.Request.ExpectContinue) Emit(ResponseInterimPart.Continue);
                    PullBody();
                    return;
                }
            }
            else if (!_sendIsLast)
            {
                PullBody();
                return;
            }
            exchange.RequestSent = true;
            if (exchange.Response is null) SetDeadline(DeadlineKind.Response, ResponseTimeoutMs);
        }

        private void PullBody()
        {
            if (Exchange.RequestFullyRead) return;
            if (!HasBeenPulled(_stage.In) && !IsClosed(_stage.In)) Pull(_stage.In);
        }

        private void SendBody(ByteString data)
        {
            var exchange = Exchange;
            if (!_upstream.IsOpen || exchange.ResponseDone)
            {
                // Answered already (e.g. backend replied early): drop the rest of the body.
                PullBody();
                return;
            }
            var request = exchange.Request!;
            // With Content-Length the last byte is known before the decoder's end marker is pulled.
            _sendIsLast = !request.Chunked && exchange.BytesIn >= request.ContentLength;
            AfterSendStarted(_upstream.SendBody(data, request.Chunked));
        }

        private void FinishBody(HttpHeaderList? trailers)
        {
            var exchange = _exchange;
            if (exchange is null || !_upstream.IsOpen || exchange.ResponseDone)
            {
                // Answered before the body ended: the connection closes once the answer left.
                if (_phase == Phase.Closing && _closeAfterResponse && _outQueue.Count == 0) FinishConnection();
                else if (exchange is { ResponseDone: true }) AfterResponse();
                return;
            }
            if (exchange.Request!.Chunked)
            {
                _sendIsLast = true;
                AfterSendStarted(_upstream.SendLastChunk(trailers));
                return;
            }
            exchange.RequestSent = true;
            if (exchange.Response is null) SetDeadline(DeadlineKind.Response, ResponseTimeoutMs);
        }
    }
}
