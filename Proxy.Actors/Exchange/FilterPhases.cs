using Akka.Event;
using Akka.IO;
using Proxy.Actors.Connections;
using Proxy.Shared.Http;

namespace Proxy.Actors.Exchange;

/// <summary>
/// The synchronous filter phases of an exchange's pipeline, run in order on the exchange: upstream request filters,
/// response head filters, response body filters. A filter that throws is logged and counted
/// (<c>proxy_filter_failures_total</c>); the caller decides what its failure means for the exchange.
/// </summary>
internal static class FilterPhases
{
    /// <summary>Runs the upstream request filters on the request about to go upstream; false when one threw.</summary>
    public static bool RunUpstreamRequest(ExchangeContext exchange, ProxyRuntime runtime, IExchangeFront front)
    {
        foreach (var filter in exchange.Pipeline.UpstreamRequestFilters)
        {
            try
            {
                filter.OnUpstreamRequest(exchange, exchange.Request!);
            }
            catch (Exception e)
            {
                Failed(front, runtime, e, filter, "upstream_request", "Upstream request filter {0} failed");
                return false;
            }
        }
        return true;
    }

    /// <summary>Runs the response head filters on <paramref name="head"/>; false when one threw. On the node's own
    /// answer a failure is only logged (the answer goes out as it is). Stops after a filter that replaced the response
    /// (<see cref="IExchange.ServeInstead"/>).</summary>
    public static bool RunResponseHead(ExchangeContext exchange, HttpResponseHead head, ProxyRuntime runtime, IExchangeFront front)
    {
        foreach (var filter in exchange.Pipeline.ResponseHeadFilters)
        {
            try
            {
                filter.OnResponseHead(exchange, head);
                // A filter replaced the response: the rest see the replacement's head when it is served.
                if (exchange.ResponseReplacement is not null) return true;
            }
            catch (Exception e)
            {
                Failed(front, runtime, e, filter, "response_head", "Response head filter {0} failed");
                if (!exchange.LocalAnswer) return false;
            }
        }
        return true;
    }

    /// <summary>What goes to the client for body bytes read from upstream: the exchange's body filters' output (counted
    /// as bytes out); null when a filter threw (the body cannot go on).</summary>
    public static ByteString? RunResponseBody(ExchangeContext exchange, ByteString data, bool last, ProxyRuntime runtime,
        IExchangeFront front)
    {
        if (exchange.ResponseBodyFilters is { } filters)
        {
            foreach (var filter in filters)
            {
                try
                {
                    data = filter.OnBodyChunk(data, last);
                }
                catch (Exception e)
                {
                    Failed(front, runtime, e, filter, "response_body", "Response body filter {0} failed");
                    return null;
                }
            }
        }
        exchange.BytesOut += data.Count;
        return data;
    }

    private static void Failed(IExchangeFront front, ProxyRuntime runtime, Exception e, object filter, string phase, string message)
    {
        front.Log.Error(e, message, filter.GetType().Name);
        runtime.FilterFailures.Count(filter, phase);
    }
}
