using System.Net.Sockets;
using Akka.Event;
using Akka.IO;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

// This stage as the driver's front: the request body pulled when the driver wants it, and what the driver hands the
// client put in HTTP/1.1 terms (the body's framing for this client, Connection, keep-alive or close after it).
public sealed partial class ProxyExchangeStage
{
    private sealed partial class Logic
    {
        Action<object> IExchangeFront.Wake => _wake;

        ILoggingAdapter IExchangeFront.Log => Log;

        void IExchangeFront.ArmTimer(long inMs) => ArmTimeout(inMs);

        void IExchangeFront.ScheduleRetry(TimeSpan delay) => (_retryTimer ??= new StageTimer(_wake)).Schedule(Materializer, delay);

        void IExchangeFront.PullRequestBody()
        {
            if (!HasBeenPulled(_stage.In) && !IsClosed(_stage.In)) Pull(_stage.In);
        }

        bool IExchangeFront.ReadyForResponse => IsAvailable(_stage.Out) && _outQueue.Count == 0;

        void IExchangeFront.SendInterim(ResponseInterimPart part) => Emit(part);

        void IExchangeFront.SendResponseHead(HttpResponseHead head, ByteString body, bool complete)
        {
            var exchange = Exchange;
            var request = exchange.Request!;
            var headers = head.Headers;
            // A body filter that changes the bytes (compression) took Content-Length away: the connection frames the body.
            // One that keeps them (the cache storing a copy) left it, and the length goes on.
            var framing = head.Framing switch
            {
                BodyFraming.None => BodyFraming.None,
                BodyFraming.ContentLength when exchange.ResponseBodyFilters is null || headers.Contains("Content-Length") => BodyFraming.ContentLength,
                _ => request.Version == 11 ? BodyFraming.Chunked : BodyFraming.UntilClose,
            };
            // RFC 9112 §6.2: a body framed by chunks or by the close carries no Content-Length.
            if (framing is BodyFraming.Chunked or BodyFraming.UntilClose) headers.Remove("Content-Length");
            // Trailers reach the client only in a chunked body: elsewhere, announcing them would be false.
            if (framing != BodyFraming.Chunked) headers.Remove("Trailer");
            if (framing == BodyFraming.UntilClose || !exchange.RequestBodyComplete) _closeAfterResponse = true;
            if (_closeAfterResponse) headers.Add("Connection", "close");
            else if (request.Version == 10) headers.Add("Connection", "keep-alive");
            Emit(new ResponseHeadPart
            {
                Status = head.Status, Reason = head.Reason, Headers = headers, Framing = framing, Body = body, Complete = complete,
            });
        }

        void IExchangeFront.SendResponseBody(ByteString data) => Emit(new ResponseBodyPart(data));

        void IExchangeFront.SendResponseEnd(HttpHeaderList? trailers) =>
            Emit(trailers is null ? ResponseEndPart.NoTrailers : new ResponseEndPart(trailers));

        void IExchangeFront.ExchangeEnded(long clientDeadline) => AfterResponse(clientDeadline);

        void IExchangeFront.RespondLocal(ProxyError error, bool close, string? reason, string? detail, HttpHeaderList? extra) =>
            RespondLocal(error, close, reason, extra, detail);

        void IExchangeFront.Abort(string reason) => FailStage(new IOException(reason));

        void IExchangeFront.StartTunnel(ResponseHeadPart head, Socket socket, byte[] leftover) => StartTunnel(socket, leftover, head);

        /// <summary>The client's request body ended: its last bytes (or trailers) go upstream, unless the request was
        /// answered before its body ended, and the connection then closes or goes on.</summary>
        private void FinishBody(HttpHeaderList? trailers)
        {
            if (_driver.OnRequestEnd(trailers)) return;
            if (_phase == Phase.Closing && _closeAfterResponse && _outQueue.Count == 0) FinishConnection();
            else if (_exchange is { ResponseDone: true }) AfterResponse();
        }
    }
}
