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

        /// <summary>The node's own answer (see <see cref="LocalAnswer"/>), in this connection's framing.</summary>
        private void RespondLocal(ProxyError error, bool close, string? reason = null, HttpHeaderList? extra = null,
            string? detail = null)
        {
            var exchange = Exchange;
            var (head, body) = LocalAnswer.Build(exchange, error, reason, extra, detail, _runtime, this);
            var headers = head.Headers;
            _deadlineKind = DeadlineKind.None;
            if (close || !exchange.RequestBodyComplete) _closeAfterResponse = true;
            if (_closeAfterResponse) headers.Add("Connection", "close");
            else if (exchange.Request?.Version == 10) headers.Add("Connection", "keep-alive");
            var headOnly = exchange.Request?.Method == "HEAD";
            Emit(new ResponseHeadPart
            {
                Status = head.Status, Headers = headers, Framing = headOnly ? BodyFraming.None : BodyFraming.ContentLength,
                Body = headOnly ? ByteString.Empty : ByteString.FromBytes(body), Complete = true,
            });
            exchange.BytesOut = headOnly ? 0 : body.Length;
            CompleteExchange(head.Status);
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
