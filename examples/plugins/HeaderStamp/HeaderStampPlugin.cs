using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace HeaderStamp;

/// <summary>
/// An example plugin: stamps every request that goes upstream and every response that goes back with a header field
/// (<c>X-Stamp</c> by default) whose value comes from the plugin's settings, and refuses requests that carry a
/// configured header with 403 — a request filter, an upstream request filter and a response head filter in one.
/// <code>
/// plugins = [ { name = stamp, assembly = "plugins/HeaderStamp.dll", settings { value = "edge-1", header = "X-Stamp", refuse-header = "X-Forbidden" } } ]
/// routes = [ { name = api, pool = api, filters = [ stamp ] } ]
/// </code>
/// </summary>
public sealed class HeaderStampPlugin : IProxyPlugin
{
    public IExchangeFilter CreateFilter(PluginContext context)
    {
        if (!context.Settings.TryGetValue("value", out var value) || value.Length == 0)
            throw new ArgumentException("settings.value is required (the text to stamp)");
        var header = context.Settings.GetValueOrDefault("header", "X-Stamp");
        return new StampFilter(header, value, context.Settings.GetValueOrDefault("refuse-header"));
    }
}

/// <summary>Holds no per-request state, so one instance serves every request on every thread.</summary>
public sealed class StampFilter(string header, string value, string? refuseHeader)
    : IRequestFilter, IUpstreamRequestFilter, IResponseHeadFilter
{
    public ValueTask<FilterVerdict> OnRequestAsync(IExchange exchange) =>
        ValueTask.FromResult(refuseHeader is not null && exchange.Request!.Headers.Contains(refuseHeader)
            ? FilterVerdict.Respond(ProxyError.ClientNotAllowed, $"requests with {refuseHeader} are refused here")
            : FilterVerdict.Continue);

    public void OnUpstreamRequest(IExchange exchange, HttpRequestHead head) => head.Headers.Set(header, value);

    public void OnResponseHead(IExchange exchange, HttpResponseHead head)
    {
        if (!exchange.LocalAnswer) head.Headers.Set(header, value);
    }
}
