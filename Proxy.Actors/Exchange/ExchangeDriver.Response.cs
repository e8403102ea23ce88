using System.Diagnostics;
using Proxy.Actors.Upstream;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

// The response on its way back: the head parsed (interim responses relayed, a retried status sent elsewhere), filtered
// and handed to the front; the body read only when the client took the previous piece, de-framed by ResponseBodyReader
// and passed through the body filters.
internal sealed partial class ExchangeDriver
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
        if (!_upstream.IsOpen || _state is not (State.Forwarding or State.ResponseBody)) return;
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
            // Only a clean FIN ends a close-delimited body (RFC 9112 §8): after a reset or receive error the client must
            // not see a complete response.
            if (n == 0 && _upstream.ResponseFraming == BodyFraming.UntilClose)
            {
                EndResponse(null, upstreamReusable: false);
                return;
            }
            AbortResponse(n == 0 ? "upstream closed the connection mid-body" : "upstream connection reset mid-body", BrokenType);
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
                    BeginUpgrade(head);
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
    /// A proxy forwards 1xx responses it did not ask for (RFC 9110 §15.2) to HTTP/1.1 clients; HTTP/1.0 clients cannot
    /// take them. A 100 for a request that sent <c>Expect: 100-continue</c> is the proxy's to give (the backend never saw
    /// the expectation), so the backend's is dropped.
    /// </summary>
    private void ForwardInterim(HttpResponseHead head)
    {
        var request = Exchange.Request!;
        if (request.Version < 11 || head.Status == 100 && request.ExpectContinue) return;
        HopByHopHeaders.Strip(head.Headers);
        ForwardingHeaders.AppendVia(head.Headers, head.Version);
        _front.SendInterim(new ResponseInterimPart { Status = head.Status, Reason = head.Reason, Headers = head.Headers });
    }

    private void OnResponseHead(HttpResponseHead head)
    {
        var exchange = Exchange;
        var pool = exchange.Pool!;
        var request = exchange.Request!;
        if (exchange.UpstreamProxy is { } proxy && proxy.RefusedCredentials(head))
        {
            // The upstream proxy refused the credentials (or wants some): the client cannot fix that with its own
            // Proxy-Authorization, which is not forwarded, so it is the gateway's failure.
            RespondUpstreamError(ProxyError.UpstreamProxyRefusedCredentials, $"upstream proxy {proxy.Display} refused the credentials ({head.Status})",
                status: head.Status);
            return;
        }
        // A 5xx is the backend's failure at once; anything else is a success only once its body arrived whole.
        if (head.Status >= 500) exchange.RecordFailure();
        else exchange.AnsweredAt = Stopwatch.GetTimestamp();
        if (pool.RetryStatuses[head.Status] && exchange.MayResend && !request.HasBody &&
            exchange.Attempt < pool.Settings.Retries.Attempts)
        {
            var failed = exchange.Backend!;
            // A retried status below 500 was still an answer: the backend is credited before it is left.
            exchange.SettleSuccess();
            ReleaseUpstream(reusable: false);
            EndAttempt(head.Status, MetricStatus(head.Status));
            exchange.ReleaseBackend();
            if (TryScheduleRetry(failed, MetricStatus(head.Status))) return;
            // Budget exhausted: this response cannot be relayed any more (connection dropped), so map it.
            RespondUpstreamError(head.Status == 503 ? ProxyError.UpstreamUnavailable : ProxyError.UpstreamRetriesExhausted, "upstream answered " + head.Status);
            return;
        }

        exchange.Response = head;
        exchange.Status = head.Status;
        SetDeadline(Deadline.ClientSend, ClientSendTimeoutMs);
        _upstream.BeginBody(head);

        HopByHopHeaders.Strip(head.Headers);
        ForwardingHeaders.AppendVia(head.Headers, head.Version);
        DateField.AddIfMissing(head.Headers);
        if (!FilterPhases.RunResponseHead(exchange, head, _runtime, _front))
        {
            // A filter broke on a response the backend gave: the client gets 500 instead of a half-filtered head.
            FilterFailedOnResponse();
            return;
        }
        if (exchange.TakeResponseReplacement() is { } replacement)
        {
            ReplaceUpstreamResponse(head, replacement);
            return;
        }

        _state = State.ResponseBody;
        if (head.Framing == BodyFraming.None)
        {
            _front.SendResponseHead(head, Akka.IO.ByteString.Empty, complete: true);
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
        if (FilterPhases.RunResponseBody(exchange, read, complete, _runtime, _front) is not { } body)
        {
            // Nothing left yet: the backend's answer was fine, the node's filter was not.
            FilterFailedOnResponse();
            return;
        }
        _front.SendResponseHead(head, body, complete && trailers is null);
        if (complete)
        {
            EndResponse(trailers, upstreamReusable: head.KeepAlive, emitEnd: trailers is not null);
            return;
        }
        if (_front.ReadyForResponse) OnClientReady();
    }

    /// <summary>A response head filter replaced the upstream's response (<see cref="IExchange.ServeInstead"/>): the
    /// attempt ends with the status the backend gave, its connection is kept only when nothing of this response is left
    /// to read on it, and the replacement is served.</summary>
    private void ReplaceUpstreamResponse(HttpResponseHead head, IResponseSource replacement)
    {
        var exchange = Exchange;
        exchange.SettleSuccess();
        var reusable = head.Framing == BodyFraming.None && head.KeepAlive && _upstream.Buffered == 0 && !_upstream.Sending &&
                       (exchange.RequestSent || !exchange.Request!.HasBody);
        EndAttempt(head.Status, head.Status >= 500 ? MetricStatus(head.Status) : null);
        ReleaseUpstream(reusable);
        exchange.ReleaseBackend();
        Serve(replacement);
    }

    /// <summary>OpenTelemetry's <c>error.type</c> for a response that says it failed: its status code.</summary>
    private static string MetricStatus(int status) => Metrics.MetricLabels.Status(status);

    private long ClientSendTimeoutMs => (long)_runtime.Current.Settings.Timeouts.ClientSend.TotalMilliseconds;

    /// <summary>A filter failed before anything of the response reached the client: the backend's answer counts as the
    /// success it was, and the client gets the node's 500.</summary>
    private void FilterFailedOnResponse()
    {
        var exchange = Exchange;
        exchange.SettleSuccess();
        ReleaseUpstream(reusable: false);
        EndAttempt(exchange.Response?.Status ?? 0, null);
        exchange.ReleaseBackend();
        Respond(ProxyError.ResponseFilterFailed, close: true);
    }

    /// <summary>The client took what was sent and wants more of the response body.</summary>
    public void OnClientReady()
    {
        if (_state == State.Serving)
        {
            OnClientReadyServing();
            return;
        }
        if (_state != State.ResponseBody || _upstream.Receiving || !_upstream.IsOpen || Exchange.ResponseDone) return;
        if (_upstream.Buffered > 0)
        {
            DeliverBody();
            return;
        }
        SetDeadline(Deadline.Response, ResponseTimeoutMs);
        StartRead();
    }

    private void DeliverBody()
    {
        var read = _upstream.TakeBody(out var complete, out var trailers, out var bad);
        if (bad is not null)
        {
            AbortResponse("malformed response body from upstream: " + bad, ProxyErrors.TypeOf(ProxyError.UpstreamMalformedResponse));
            return;
        }
        if (FilterPhases.RunResponseBody(Exchange, read, complete, _runtime, _front) is not { } data)
        {
            AbortResponse("response body filter failed", ProxyErrors.TypeOf(ProxyError.ResponseFilterFailed), backendAtFault: false);
            return;
        }
        if (!data.IsEmpty) _front.SendResponseBody(data);
        if (complete)
        {
            EndResponse(trailers, upstreamReusable: Exchange.Response!.KeepAlive);
            return;
        }
        if (data.IsEmpty)
        {
            SetDeadline(Deadline.Response, ResponseTimeoutMs);
            StartRead();
            return;
        }
        // What was read now waits for the client: until it takes it, the client's clock runs, not the backend's.
        SetDeadline(Deadline.ClientSend, ClientSendTimeoutMs);
    }

    /// <summary>
    /// The response cannot be finished once it began: the client connection is aborted without the end of the body.
    /// When the backend broke it (reset, early close, bad chunk, silence) the backend is charged with the failure; when
    /// the client stopped reading, the backend's answer counts as the success it was.
    /// </summary>
    /// <param name="errorType">What broke it, for the attempt's outcome.</param>
    private void AbortResponse(string reason, string errorType, bool backendAtFault = true)
    {
        var exchange = Exchange;
        EndAttempt(exchange.Status, errorType);
        if (!backendAtFault) exchange.SettleSuccess();
        else if (exchange.AnsweredAt != 0 && exchange.Backend is not null)
        {
            exchange.AnsweredAt = 0;
            exchange.RecordFailure();
        }
        exchange.Error = reason;
        Abort(reason);
    }

    private void EndResponse(HttpHeaderList? trailers, bool upstreamReusable, bool emitEnd = true)
    {
        var exchange = Exchange;
        exchange.ResponseDone = true;
        exchange.SettleSuccess();
        // Reuse only a connection whose exchange finished cleanly on both sides.
        var reusable = upstreamReusable && _upstream.IsOpen && _upstream.Buffered == 0 && !_upstream.Sending &&
                       (exchange.RequestSent || !exchange.Request!.HasBody);
        EndAttempt(exchange.Status, exchange.Status >= 500 ? MetricStatus(exchange.Status) : null);
        ReleaseUpstream(reusable);
        exchange.ReleaseBackend();
        if (emitEnd) _front.SendResponseEnd(trailers);
        _runtime.Complete(exchange, exchange.Status);
        // The client may still be taking the last bytes: the front keeps that deadline.
        var clientDeadline = _deadlineKind == Deadline.None ? 0 : _deadline;
        Finish();
        _front.ExchangeEnded(clientDeadline);
    }

    /// <summary>
    /// E2: the backend switched protocols (101) for an Upgrade request. Its connection leaves the pool and becomes the
    /// tunnel; the 101 goes to the client with the Upgrade fields, then the front splices bytes.
    /// </summary>
    private void BeginUpgrade(HttpResponseHead head)
    {
        if (_upstream.Connection!.Tls is not null)
        {
            // The splice works on sockets; an upgrade over a TLS backend connection is not spliced (yet).
            RespondUpstreamError(ProxyError.UpgradeOverTls);
            return;
        }
        // The socket now belongs to the tunnel (closed by the splice), no longer to the backend's pool.
        var conn = _upstream.Detach(out var leftover);
        var exchange = Exchange;
        EndAttempt(101, null);
        exchange.Backend?.RecordSuccess(exchange.AttemptStart);
        exchange.ReleaseBackend();
        var headers = head.Headers;
        var upgrade = headers.Get("Upgrade");
        HopByHopHeaders.Strip(headers);
        FilterPhases.RunResponseHead(exchange, head, _runtime, _front);
        headers.Add("Connection", "Upgrade");
        if (upgrade is not null) headers.Add("Upgrade", upgrade);
        Finish();
        _front.StartTunnel(new ResponseHeadPart
        {
            Status = 101, Reason = head.Reason, Headers = headers, Framing = BodyFraming.UntilClose,
        }, conn.Socket, leftover);
    }
}
