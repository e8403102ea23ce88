namespace Proxy.Actors.Exchange;

/// <summary>
/// The exchange's one completion point: called once per exchange, on the connection's actor, when its response was
/// handed to the client whole or the exchange ended early (with <see cref="ExchangeContext.Error"/>). The access log
/// is one observer; metrics and tracing are the next. Must not block: it runs on the connection's I/O path.
/// </summary>
public interface IExchangeObserver
{
    void OnExchangeCompleted(ExchangeContext exchange);
}
