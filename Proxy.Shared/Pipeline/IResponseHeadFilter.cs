using Proxy.Shared.Http;

namespace Proxy.Shared.Pipeline;

/// <summary>
/// Runs on the head of every response before it goes to the client, in the reverse of the request filters' order
/// (the first request filter sees the response last): a response relayed from upstream (after its hop-by-hop fields
/// were removed) and the node's own answers (<see cref="IExchange.LocalAnswer"/>). May add, change or remove
/// header fields; the body is not seen here.
/// </summary>
public interface IResponseHeadFilter : IExchangeFilter
{
    void OnResponseHead(IExchange exchange, HttpResponseHead head);
}
