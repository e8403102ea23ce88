using Proxy.Shared.Http;
using Proxy.Shared.Routing;

namespace Proxy.Shared.Pipeline;

/// <summary>
/// One request/response exchange as filters see it — built-in middleware and plugins alike, whatever the front
/// (HTTP/1.1 today, an HTTP/2 stream next) and also in a test without a socket. The node's own implementation holds
/// more (upstream attempts, framing state); filters reach only this.
/// </summary>
public interface IExchange
{
    /// <summary>The request head as the client sent it (filters may change its header fields); null when the node
    /// answers before a head was parsed (a malformed or late one).</summary>
    HttpRequestHead? Request { get; }

    /// <summary>The client's address as the access log shows it (the connection's peer).</summary>
    string Client { get; }

    /// <summary>The client's connection is TLS.</summary>
    bool Secure { get; }

    /// <summary>The route the request matched; null before routing or when none did.</summary>
    CompiledRoute? Route { get; }

    /// <summary>E6: the request's id; null while none was decided or when the route has request ids off.</summary>
    string? RequestId { get; set; }

    /// <summary>The origin-form request-target sent upstream when a filter rewrote it; null: the client's.</summary>
    string? UpstreamTarget { get; set; }

    /// <summary>The relayed response's head once it arrived (null for the node's own answers).</summary>
    HttpResponseHead? Response { get; }

    /// <summary>The node answered the request itself (an error, a refusal) instead of relaying a response.</summary>
    bool LocalAnswer { get; }

    /// <summary>The status sent to the client; 0 while none was.</summary>
    int Status { get; }

    /// <summary>From the start of the exchange to its end (or to now while it runs).</summary>
    TimeSpan Elapsed { get; }

    /// <summary>State a filter keeps for this exchange only, under a key of its own (created on first use).</summary>
    IDictionary<object, object?> Items { get; }

    /// <summary>Runs <paramref name="filter"/> on this exchange's response body (after those added before it); see
    /// <see cref="IResponseBodyFilter"/>.</summary>
    void AddResponseBodyFilter(IResponseBodyFilter filter);
    /// <summary>Disposes <paramref name="resource"/> when the exchange ends, however it ends (answered, failed, or the
    /// client left before any response): for what a filter must release even when none of its later phases runs.</summary>
    void RegisterForDispose(IDisposable resource);
    /// <summary>From a response head filter: the upstream's response (this head and its body) is not relayed; the client
    /// gets <paramref name="source"/>'s instead, through the response filters as a relayed response would (the cache
    /// serving a stored response the origin's 304 revalidated, or a stale one when the origin answered 5xx). The filters
    /// after this one do not see the upstream's head.</summary>
    void ServeInstead(IResponseSource source);
    /// <summary>From a request filter: what the client gets if no upstream response comes (the connect fails or times
    /// out, the pool has no healthy backend, the response breaks before its head) instead of the node's 5xx answer — the
    /// cache's stale response under stale-if-error (RFC 5861 §4). Disposed unused when the exchange ends otherwise.</summary>
    IResponseSource? UpstreamFailureFallback { get; set; }
}
