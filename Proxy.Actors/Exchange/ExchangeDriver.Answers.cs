using Akka.Event;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

// The node's own answers when no upstream response can be relayed: an upstream failure (the backend charged, a
// fallback a request filter left served instead), or an answer the front gives, and the client's connection broken off.
internal sealed partial class ExchangeDriver
{
    /// <param name="detail">What exactly went wrong (the parser's reason): logged, not sent to the client.</param>
    /// <param name="status">The status the attempt got, when its head arrived (0: none).</param>
    private void RespondUpstreamError(ProxyError error, string? reason = null, string? detail = null, int status = 0)
    {
        // Still holding the backend without an answer from it: its failure (timeout, malformed head).
        var exchange = Exchange;
        EndAttempt(status, ProxyErrors.TypeOf(error));
        if (exchange.Response is null && exchange.Backend is not null) exchange.RecordFailure();
        if (detail is not null)
            _front.Log.Warning("Upstream {0} sent a malformed response: {1}", exchange.UpstreamAddress ?? "?", detail);
        ReleaseUpstream(reusable: false);
        exchange.ReleaseBackend();
        RespondOriginFailure(error, close: !exchange.RequestBodyComplete, reason, detail);
    }

    /// <summary>No upstream response will come: a fallback a request filter left (the cache's stale response under
    /// stale-if-error) is served; otherwise the front answers the error.</summary>
    private void RespondOriginFailure(ProxyError error, bool close, string? reason = null, string? detail = null)
    {
        if (Exchange.TakeUpstreamFailureFallback() is { } fallback)
        {
            Exchange.Error = reason ?? ProxyErrors.TypeOf(error);
            Serve(fallback);
            return;
        }
        Respond(error, close, reason, detail);
    }

    /// <summary>The front answers instead of a backend; the driver's part of the exchange is over.</summary>
    private void Respond(ProxyError error, bool close, string? reason = null, string? detail = null)
    {
        Finish();
        _front.RespondLocal(error, close, reason, detail);
    }

    /// <summary>The client's connection is broken off after the exchange's completion was reported.</summary>
    private void Abort(string reason)
    {
        var exchange = Exchange;
        Finish();
        _runtime.Complete(exchange, exchange.Status);
        _front.Abort(reason);
    }
}
