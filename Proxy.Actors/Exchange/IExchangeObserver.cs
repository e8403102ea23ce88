namespace Proxy.Actors.Exchange;

/// <summary>
/// Told of each exchange's life at its fixed points, on the connection's actor: when it begins, when each upstream
/// attempt ends, when a failed attempt is retried, and once at its completion point (its response handed to the
/// client whole, or the exchange ended early with <see cref="ExchangeContext.Error"/>). The access log, the metrics and
/// tracing are observers. Must not block: it runs on the connection's I/O path.
/// </summary>
public interface IExchangeObserver
{
    /// <summary>A request head arrived (or the node answers before one was read) and its exchange begins.</summary>
    void OnExchangeStarted(ExchangeContext exchange)
    {
    }

    /// <summary>An upstream attempt begins (its backend chosen, the request not yet sent): an observer may still add
    /// fields to the request head (trace context).</summary>
    void OnAttemptStarted(ExchangeContext exchange)
    {
    }

    /// <summary>An upstream attempt ended: its response arrived whole, or it failed as <see cref="UpstreamAttempt.ErrorType"/> says.</summary>
    void OnAttemptCompleted(ExchangeContext exchange, in UpstreamAttempt attempt)
    {
    }

    /// <summary>A failed attempt is made again; <paramref name="reason"/> is the failed attempt's error type.</summary>
    void OnRetry(ExchangeContext exchange, string reason)
    {
    }

    void OnExchangeCompleted(ExchangeContext exchange);
}
