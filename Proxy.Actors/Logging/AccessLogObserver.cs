using Proxy.Actors.Exchange;

namespace Proxy.Actors.Logging;

/// <summary>O4: one access-log line per completed exchange; without a parsed head (a malformed or late one) the line
/// has what is known: client, status, bytes and the reason as <c>error</c>.</summary>
public sealed class AccessLogObserver(AccessLog log) : IExchangeObserver
{
    public void OnExchangeCompleted(ExchangeContext exchange)
    {
        var request = exchange.Request;
        log.Write(new AccessLogEntry
        {
            Time = DateTime.UtcNow,
            Client = exchange.Client,
            Method = request?.Method,
            Host = request?.Host,
            Path = request?.Path,
            Route = exchange.Route?.Name,
            RequestId = exchange.RequestId,
            Upstream = exchange.UpstreamAddress,
            Status = exchange.Status,
            BytesIn = exchange.BytesIn,
            BytesOut = exchange.BytesOut,
            DurationMs = exchange.Elapsed.TotalMilliseconds,
            Error = exchange.Error,
        });
    }
}
