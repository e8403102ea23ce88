using Akka.IO;
using Proxy.Actors.Upstream;
using Proxy.Shared.Http;

namespace Proxy.Actors.Exchange;

// The request on its way up: the head, then the body as the client sends it (pulled only after the previous write
// completed, so backpressure holds end to end), framed by UpstreamRequestWriter; a write that makes no progress has
// timeouts.send.
internal sealed partial class ExchangeDriver
{
    private void SendHead()
    {
        _state = State.Forwarding;
        var exchange = Exchange;
        var head = exchange.Request!;
        _sendIsLast = !head.HasBody;
        AfterSendStarted(_upstream.SendHead(head,
            UpstreamRequestWriter.TargetFor(head, exchange.UpstreamProxy is not null, exchange.UpstreamTarget)));
        // Read from the start: a backend may answer (e.g. 413) before the request body is complete. (A send that failed
        // at once may have ended this attempt already, or begun the next one, which reads for itself.)
        if (_state == State.Forwarding && _upstream.IsOpen && !_upstream.Receiving && Exchange.Response is null) StartRead();
    }

    private void AfterSendStarted(bool completedNow)
    {
        if (completedNow)
        {
            OnUpstreamSent();
            return;
        }
        // The backend is not taking bytes right now: it has timeouts.send to make room.
        var inMs = (long)Exchange.Pool!.Settings.Timeouts.Send.TotalMilliseconds;
        _sendDeadline = Environment.TickCount64 + inMs;
        _front.ArmTimer(inMs);
    }

    private void OnUpstreamSent()
    {
        _sendDeadline = 0;
        var sent = _upstream.EndSend();
        if (_state is not (State.Forwarding or State.ResponseBody) || !_upstream.IsOpen) return;
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
                if (exchange.Request.ExpectContinue) _front.SendInterim(ResponseInterimPart.Continue);
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
        if (exchange.Response is null) SetDeadline(Deadline.Response, ResponseTimeoutMs);
    }

    private void PullBody()
    {
        if (!Exchange.RequestFullyRead) _front.PullRequestBody();
    }

    /// <summary>A piece of the request body (already counted in <see cref="ExchangeContext.BytesIn"/>).</summary>
    public void OnRequestBody(ByteString data)
    {
        if (_exchange is not { } exchange) return;
        if (!_upstream.IsOpen || exchange.ResponseDone)
        {
            // Answered already (e.g. the backend replied early): the rest of the body is dropped.
            PullBody();
            return;
        }
        var request = exchange.Request!;
        // With Content-Length the last byte is known before the decoder's end marker is pulled.
        _sendIsLast = !request.Chunked && exchange.BytesIn >= request.ContentLength;
        AfterSendStarted(_upstream.SendBody(data, request.Chunked));
    }

    /// <summary>The request body ended (<see cref="ExchangeContext.RequestFullyRead"/> is set); false when the request is
    /// no longer going upstream (it was answered, or no connection carries it), and the front decides what follows.</summary>
    public bool OnRequestEnd(HttpHeaderList? trailers)
    {
        if (_exchange is not { } exchange || !_upstream.IsOpen || exchange.ResponseDone) return false;
        if (exchange.Request!.Chunked)
        {
            _sendIsLast = true;
            AfterSendStarted(_upstream.SendLastChunk(trailers));
            return true;
        }
        exchange.RequestSent = true;
        if (exchange.Response is null) SetDeadline(Deadline.Response, ResponseTimeoutMs);
        return true;
    }
}
