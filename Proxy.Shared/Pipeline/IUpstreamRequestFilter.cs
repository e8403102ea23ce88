using Proxy.Shared.Http;

namespace Proxy.Shared.Pipeline;

/// <summary>
/// Runs once per request when it is about to go upstream, after the request filters let it pass and after the
/// proxy's own changes (hop-by-hop fields removed, X-Forwarded-* and Via added): may change header fields of
/// <paramref name="head"/> and the target (<see cref="IExchange.UpstreamTarget"/>). Retries resend the result.
/// </summary>
public interface IUpstreamRequestFilter : IExchangeFilter
{
    void OnUpstreamRequest(IExchange exchange, HttpRequestHead head);
}
