namespace Proxy.Shared.Pipeline;

/// <summary>
/// The first phase of an exchange: runs once the request is routed, before an upstream is chosen, in the order the
/// route's <see cref="RoutePipeline"/> lists; any filter may answer the request itself (rate limiting, access control,
/// later the cache). Sees the request only through the <see cref="IExchange"/>, so it works for any front
/// (HTTP/1.1 today, HTTP/2 streams next) and in a test without a socket.
/// </summary>
/// <remarks>
/// Most decisions are made at once: return a completed <see cref="ValueTask{TResult}"/> (no allocation). While a
/// returned task is pending the filter owns the exchange; the connection touches it again only when the task has
/// completed (or reads it for the access log if the client leaves meanwhile).
/// </remarks>
public interface IRequestFilter : IExchangeFilter
{
    ValueTask<FilterVerdict> OnRequestAsync(IExchange exchange);
}
