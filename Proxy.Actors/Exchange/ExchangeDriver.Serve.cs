using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

// A response a request filter served in place of an upstream's (FilterVerdict.Serve: a cached response): its head
// through the response head filters, its body pulled from the source only as the client takes it and through the body
// filters, as a relayed response's would be. No backend is picked and no upstream connection is used.
internal sealed partial class ExchangeDriver
{
    /// <summary>The source being served; null unless <see cref="State.Serving"/>.</summary>
    private IResponseSource? _source;
    /// <summary>A read of the source is pending (its completion wakes the driver).</summary>
    private bool _sourceReading;
    /// <summary>The served head went to the client (with the body's first piece).</summary>
    private bool _servedHeadSent;

    private void Serve(IResponseSource source)
    {
        var exchange = Exchange;
        _source = source;
        _sourceReading = false;
        _servedHeadSent = false;
        _state = State.Serving;
        var head = source.Head;
        exchange.Response = head;
        exchange.Status = head.Status;
        if (!FilterPhases.RunResponseHead(exchange, head, _runtime, _front))
        {
            Respond(ProxyError.ResponseFilterFailed, close: true);
            return;
        }
        // A served response is not replaced again.
        exchange.TakeResponseReplacement()?.Dispose();
        exchange.TakeUpstreamFailureFallback()?.Dispose();
        if (head.Framing == BodyFraming.None || exchange.Request!.Method == "HEAD")
        {
            _servedHeadSent = true;
            _front.SendResponseHead(head, Akka.IO.ByteString.Empty, complete: true);
            EndServed(emitEnd: false);
            return;
        }
        ReadSource();
    }

    private void ReadSource()
    {
        ValueTask<BodyPiece> read;
        try
        {
            read = _source!.ReadAsync();
        }
        catch (Exception e)
        {
            read = ValueTask.FromException<BodyPiece>(e);
        }
        if (read.IsCompletedSuccessfully)
        {
            OnSourcePiece(read.Result);
            return;
        }
        _sourceReading = true;
        WakeWhenDone(read.AsTask());
    }

    private void OnSourceRead(Task<BodyPiece> read)
    {
        if (_state != State.Serving) return; // the client left meanwhile
        _sourceReading = false;
        if (!read.IsCompletedSuccessfully)
        {
            var reason = "served response broke off: " + (read.Exception?.InnerException?.Message ?? "cancelled");
            if (!_servedHeadSent)
            {
                Respond(ProxyError.UpstreamBroken, close: !Exchange.RequestBodyComplete, reason);
                return;
            }
            Exchange.Error = reason;
            Abort(reason);
            return;
        }
        OnSourcePiece(read.Result);
    }

    private void OnSourcePiece(BodyPiece piece)
    {
        var exchange = Exchange;
        if (FilterPhases.RunResponseBody(exchange, piece.Data, piece.Last, _runtime, _front) is not { } data)
        {
            if (!_servedHeadSent)
            {
                Respond(ProxyError.ResponseFilterFailed, close: true);
                return;
            }
            Abort("response body filter failed");
            return;
        }
        if (!_servedHeadSent)
        {
            _servedHeadSent = true;
            _front.SendResponseHead(exchange.Response!, data, complete: piece.Last);
            if (piece.Last)
            {
                EndServed(emitEnd: false);
                return;
            }
        }
        else
        {
            if (!data.IsEmpty) _front.SendResponseBody(data);
            if (piece.Last)
            {
                EndServed(emitEnd: true);
                return;
            }
        }
        // What was sent now waits for the client: its clock runs until it takes it.
        SetDeadline(Deadline.ClientSend, ClientSendTimeoutMs);
        if (_front.ReadyForResponse) ReadSource();
    }

    /// <summary>The client took what was sent: the next piece of a served body.</summary>
    private void OnClientReadyServing()
    {
        if (_sourceReading || Exchange.ResponseDone) return;
        ReadSource();
    }

    private void EndServed(bool emitEnd)
    {
        var exchange = Exchange;
        exchange.ResponseDone = true;
        if (emitEnd) _front.SendResponseEnd(null);
        _runtime.Complete(exchange, exchange.Status);
        var clientDeadline = _deadlineKind == Deadline.None ? 0 : _deadline;
        Finish();
        _front.ExchangeEnded(clientDeadline);
    }

    /// <summary>The served source is let go (the exchange ended, however it ended).</summary>
    private void ReleaseSource()
    {
        var source = _source;
        if (source is null) return;
        _source = null;
        _sourceReading = false;
        source.Dispose();
    }
}
