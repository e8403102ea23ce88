using System.Text;
using Akka.IO;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

// The node's own answers: a malformed request, an upstream failure mapped to its status (by the driver), a filter's
// refusal — each a short text body from the ProxyErrors table, through the response head filters.
public sealed partial class ProxyExchangeStage
{
    private sealed partial class Logic
    {
        private void OnMalformed(HttpParseError error)
        {
            _closeAfterResponse = true;
            if (_phase == Phase.AwaitHead)
            {
                StartExchange(null);
                RespondLocal(ProxyErrors.OfParseError(error), close: true, error.Reason);
                return;
            }
            // Answered already: the rest of the body is not read, and the connection closes once the answer left.
            if (_exchange is not { } exchange) return;
            // The body turned out invalid (bad chunk, too large) mid-exchange.
            exchange.Error = error.Reason;
            if (exchange.Response is null && exchange.Status == 0)
            {
                _driver.Stop();
                RespondLocal(ProxyErrors.OfParseError(error), close: true, error.Reason);
                return;
            }
            CompleteExchange(exchange.Status);
            FailStage(new InvalidOperationException(error.Reason));
        }


        /// <summary>A small response the proxy makes itself (errors): no internal addresses, no stack traces. Its status
        /// comes from <see cref="ProxyErrors"/>; <paramref name="reason"/> replaces the error's default text.</summary>
        private void RespondLocal(ProxyError error, bool close, string? reason = null, HttpHeaderList? extra = null,
            string? detail = null)
        {
            var exchange = Exchange;
            var status = ProxyErrors.StatusOf(error);
            reason ??= ProxyErrors.TextOf(error);
            exchange.Status = status;
            exchange.Error = detail is null ? reason : reason + ": " + detail;
            _deadlineKind = DeadlineKind.None;
            if (close || !exchange.RequestBodyComplete) _closeAfterResponse = true;
            exchange.LocalAnswer = true;
            var text = HttpStatusText.Get(status);
            var body = Encoding.UTF8.GetBytes(status + " " + text + ": " + reason + "\n");
            var headers = new HttpHeaderList(4);
            headers.Add("Content-Type", "text/plain; charset=utf-8");
            headers.Add("Content-Length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (extra is not null)
                for (var i = 0; i < extra.Count; i++) headers.Add(extra[i].Key, extra[i].Value);
            // The answer to a response head filter's failure does not go through the filters again.
            if (error != ProxyError.ResponseFilterFailed)
            {
                FilterPhases.RunResponseHead(exchange, new HttpResponseHead
                {
                    Status = status, Reason = text, Version = 11, Headers = headers, Framing = BodyFraming.ContentLength,
                    ContentLength = body.Length,
                }, _runtime, this);
            }
            if (_closeAfterResponse) headers.Add("Connection", "close");
            else if (exchange.Request?.Version == 10) headers.Add("Connection", "keep-alive");
            var headOnly = exchange.Request?.Method == "HEAD";
            Emit(new ResponseHeadPart
            {
                Status = status, Headers = headers, Framing = headOnly ? BodyFraming.None : BodyFraming.ContentLength,
                Body = headOnly ? ByteString.Empty : ByteString.FromBytes(body), Complete = true,
            });
            exchange.BytesOut = headOnly ? 0 : body.Length;
            CompleteExchange(status);
            exchange.ResponseDone = true;
            _phase = Phase.Closing;
            if (_closeAfterResponse)
            {
                _exchange = null;
                if (_outQueue.Count == 0) FinishConnection();
                return;
            }
            AfterResponse();
        }
    }
}
