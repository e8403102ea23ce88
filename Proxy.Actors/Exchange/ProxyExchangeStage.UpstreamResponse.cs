using Proxy.Actors.Connections;
using System.Diagnostics;
using Akka.Event;
using Akka.IO;
using Proxy.Actors.Pools;
using Proxy.Actors.Upstream;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

// The response on its way back: the head parsed (interim responses relayed), filtered and sent on; the body read only
// when the client took the previous piece, de-framed by ResponseBodyReader and passed through the body filters.
public sealed partial class ProxyExchangeStage
{
    private sealed partial class Logic
    {
        private void StartRead()
        {
            switch (_upstream.Receive(Exchange.Pool!.Settings.Limits.MaxHeadBytes))
            {
                case ReceiveStart.HeadTooLarge:
                    RespondUpstreamError(ProxyError.UpstreamResponseHeadTooLarge);
                    return;
                case ReceiveStart.Completed:
                    OnUpstreamRead();
                    return;
            }
        }

        private void OnUpstreamRead()
        {
            var n = _upstream.EndReceive();
            if (!_upstream.IsOpen || _phase is not (Phase.Forwarding or Phase.ResponseBody)) return;
            if (Exchange.Response is null)
            {
                if (n <= 0)
                {
                    OnUpstreamBroken("upstream closed the connection before responding");
                    return;
                }
                TryParseResponseHead();
                return;
            }
            if (n <= 0)
            {
                // Only a clean FIN ends a close-delimited body (RFC 9112 §8): after a reset or receive error the
                // client must not see a complete response.
                if (n == 0 && _upstream.ResponseFraming == BodyFraming.UntilClose)
                {
                    EndResponse(null, upstreamReusable: false);
                    return;
                }
                AbortResponse(n == 0 ? "upstream closed the connection mid-body" : "upstream connection reset mid-body", backendAtFault: true);
                return;
            }
            DeliverBody();
        }

        private void TryParseResponseHead()
        {
            var request = Exchange.Request!;
            var limits = Exchange.Pool!.Settings.Limits;
            while (true)
            {
                var status = _upstream.ParseHead(request.Method == "HEAD", limits.MaxHeadBytes, limits.MaxHeaders, out var head, out var error);
                if (status == ParseStatus.Incomplete)
                {
                    StartRead();
                    return;
                }
                if (status == ParseStatus.Invalid)
                {
                    RespondUpstreamError(ProxyError.UpstreamMalformedResponse, detail: error.Reason);
                    return;
                }
                if (head!.Status == 101)
                {
                    if (request.IsUpgrade && !request.HasBody)
                    {
                        BeginUpgradeTunnel(head);
                        return;
                    }
                    RespondUpstreamError(ProxyError.UpstreamUnexpectedSwitch);
                    return;
                }
                if (head.IsInterim)
                {
                    ForwardInterim(head);
                    continue;
                }
                OnResponseHead(head);
                return;
            }
        }

        /// <summary>
        /// A proxy forwards 1xx responses it did not ask for (RFC 9110 §15.2) to HTTP/1.1 clients; HTTP/1.0 clients
        /// cannot take them. A 100 for a request that sent <c>Expect: 100-continue</c> is the proxy's to give (the
        /// backend never saw the expectation), so the backend's is dropped.
        /// </summary>
        private void ForwardInterim(HttpResponseHead head)
        {
            var request = Exchange.Request!;
            if (request.Version < 11 || head.Status == 100 && request.ExpectContinue) return;
            HopByHopHeaders.Strip(head.Headers);
            ForwardingHeaders.AppendVia(head.Headers, head.Version);
            Emit(new ResponseInterimPart { Status = head.Status, Reason = head.Reason, Headers = head.Headers });
        }

        private void OnResponseHead(HttpResponseHead head)
        {
            var exchange = Exchange;
            var pool = exchange.Pool!;
            var request = exchange.Request!;
            if (exchange.UpstreamProxy is { } proxy && proxy.RefusedCredentials(head))
            {
                // The upstream proxy refused the credentials (or wants some): the client cannot fix that with
                // its own Proxy-Authorization, which is not forwarded, so it is the gateway's failure.
                RespondUpstreamError(ProxyError.UpstreamProxyRefusedCredentials, $"upstream proxy {proxy.Display} refused the credentials ({head.Status})");
                return;
            }
            // A 5xx is the backend's failure at once; anything else is a success only once its body arrived whole.
            if (head.Status >= 500) RecordFailure();
            else exchange.AnsweredAt = Stopwatch.GetTimestamp();
            if (pool.RetryStatuses[head.Status] && exchange.MayResend && !request.HasBody &&
                exchange.Attempt < pool.Settings.Retries.Attempts)
            {
                var failed = exchange.Backend!;
                // A retried status below 500 was still an answer: the backend is credited before it is left.
                SettleSuccess();
                ReleaseUpstream(reusable: false);
                ReleaseBackend();
                if (TryScheduleRetry(failed)) return;
                // Budget exhausted: this response cannot be relayed any more (connection dropped), so map it.
                RespondUpstreamError(head.Status == 503 ? ProxyError.UpstreamUnavailable : ProxyError.UpstreamRetriesExhausted, "upstream answered " + head.Status);
                return;
            }

            exchange.Response = head;
            exchange.Status = head.Status;
            SetDeadline(DeadlineKind.ClientSend, ClientSendTimeoutMs);
            _upstream.BeginBody(head);

            var headers = head.Headers;
            HopByHopHeaders.Strip(headers);
            ForwardingHeaders.AppendVia(headers, head.Version);
            if (!RunResponseHeadFilters(head))
            {
                // A filter broke on a response the backend gave: the client gets 500 instead of a half-filtered head.
                SettleSuccess();
                ReleaseUpstream(reusable: false);
                ReleaseBackend();
                RespondLocal(ProxyError.ResponseFilterFailed, close: true);
                return;
            }

            // A body filter that changes the bytes (compression) took Content-Length away: the connection frames the body.
            _clientFraming = head.Framing switch
            {
                BodyFraming.None => BodyFraming.None,
                BodyFraming.ContentLength when exchange.ResponseBodyFilters is null => BodyFraming.ContentLength,
                _ => request.Version == 11 ? BodyFraming.Chunked : BodyFraming.UntilClose,
            };
            // Trailers reach the client only in a chunked body: elsewhere, announcing them would be false.
            if (_clientFraming != BodyFraming.Chunked) headers.Remove("Trailer");
            if (_clientFraming == BodyFraming.UntilClose || !exchange.RequestBodyComplete) _closeAfterResponse = true;
            if (_closeAfterResponse) headers.Add("Connection", "close");
            else if (request.Version == 10) headers.Add("Connection", "keep-alive");

            _phase = Phase.ResponseBody;
            if (head.Framing == BodyFraming.None)
            {
                Emit(new ResponseHeadPart { Status = head.Status, Reason = head.Reason, Headers = headers, Framing = BodyFraming.None, Complete = true });
                EndResponse(null, upstreamReusable: head.KeepAlive, emitEnd: false);
                return;
            }
            // Body bytes that came with the head leave with it in one write.
            var read = _upstream.TakeBody(out var complete, out var trailers, out var bad);
            if (bad is not null)
            {
                RespondUpstreamError(ProxyError.UpstreamMalformedResponse, "malformed response body from upstream", bad);
                return;
            }
            if (Outgoing(read, complete) is not { } body)
            {
                // Nothing left yet: the backend's answer was fine, the node's filter was not.
                SettleSuccess();
                ReleaseUpstream(reusable: false);
                ReleaseBackend();
                RespondLocal(ProxyError.ResponseFilterFailed, close: true);
                return;
            }
            Emit(new ResponseHeadPart
            {
                Status = head.Status, Reason = head.Reason, Headers = headers, Framing = _clientFraming, Body = body,
                Complete = complete && trailers is null,
            });
            if (complete)
            {
                EndResponse(trailers, upstreamReusable: head.KeepAlive, emitEnd: trailers is not null);
                return;
            }
            if (IsAvailable(_stage.Out) && _outQueue.Count == 0) ContinueResponseBody();
        }

        private void ContinueResponseBody()
        {
            if (!_upstream.IsOpen) return;
            if (_upstream.Buffered > 0)
            {
                DeliverBody();
                return;
            }
            SetDeadline(DeadlineKind.Response, ResponseTimeoutMs);
            StartRead();
        }

        private void DeliverBody()
        {
            var read = _upstream.TakeBody(out var complete, out var trailers, out var bad);
            if (bad is not null)
            {
                AbortResponse("malformed response body from upstream: " + bad, backendAtFault: true);
                return;
            }
            if (Outgoing(read, complete) is not { } data)
            {
                AbortResponse("response body filter failed", backendAtFault: false);
                return;
            }
            if (!data.IsEmpty) Emit(new ResponseBodyPart(data));
            if (complete)
            {
                EndResponse(trailers, upstreamReusable: Exchange.Response!.KeepAlive);
                return;
            }
            if (data.IsEmpty)
            {
                SetDeadline(DeadlineKind.Response, ResponseTimeoutMs);
                StartRead();
                return;
            }
            // What was read now waits for the client: until it takes it, the client's clock runs, not the backend's.
            SetDeadline(DeadlineKind.ClientSend, ClientSendTimeoutMs);
        }

        /// <summary>
        /// The response cannot be finished once it began: the client connection is aborted without the end of the
        /// body. When the backend broke it (reset, early close, bad chunk, silence) the backend is charged with the
        /// failure; when the client stopped reading, the backend's answer counts as the success it was.
        /// </summary>
        private void AbortResponse(string reason, bool backendAtFault)
        {
            var exchange = Exchange;
            if (!backendAtFault) SettleSuccess();
            else if (exchange.AnsweredAt != 0 && exchange.Backend is not null)
            {
                exchange.AnsweredAt = 0;
                RecordFailure();
            }
            exchange.Error = reason;
            CompleteExchange(exchange.Status);
            FailStage(new IOException(reason));
        }

        /// <summary>What goes to the client for body bytes read from upstream: the exchange's body filters' output
        /// (counted as bytes out); null when a filter threw (the body cannot go on).</summary>
        private ByteString? Outgoing(ByteString data, bool last)
        {
            var exchange = Exchange;
            if (exchange.ResponseBodyFilters is { } filters)
            {
                foreach (var filter in filters)
                {
                    try
                    {
                        data = filter.OnBodyChunk(data, last);
                    }
                    catch (Exception e)
                    {
                        Log.Error(e, "Response body filter {0} failed", filter.GetType().Name);
                        _runtime.FilterFailures.Count(filter, "response_body");
                        return null;
                    }
                }
            }
            exchange.BytesOut += data.Count;
            return data;
        }

        private void EndResponse(HttpHeaderList? trailers, bool upstreamReusable, bool emitEnd = true)
        {
            var exchange = Exchange;
            exchange.ResponseDone = true;
            SettleSuccess();
            // Reuse only a connection whose exchange finished cleanly on both sides.
            var reusable = upstreamReusable && _upstream.IsOpen && _upstream.Buffered == 0 && !_upstream.Sending &&
                           (exchange.RequestSent || !exchange.Request!.HasBody);
            ReleaseUpstream(reusable);
            ReleaseBackend();
            if (emitEnd) Emit(trailers is null ? ResponseEndPart.NoTrailers : new ResponseEndPart(trailers));
            CompleteExchange(exchange.Status);
            AfterResponse();
        }
    }
}
