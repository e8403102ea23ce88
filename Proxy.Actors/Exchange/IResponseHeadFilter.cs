using Proxy.Shared.Http;

namespace Proxy.Actors.Exchange;

/// <summary>
/// Runs on the head of a response relayed from upstream, after hop-by-hop fields were removed and before it goes to
/// the client: may add, change or remove header fields. The body is not seen here.
/// </summary>
public interface IResponseHeadFilter
{
    void OnResponseHead(ExchangeContext exchange, HttpResponseHead head);
}
