using Proxy.Shared.Configuration;
using Proxy.Shared.Http;
using Proxy.Shared.Routing;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange.Filters;

/// <summary>
/// R3: a route's <c>transforms</c>. On the way up: the target's path and query (<see cref="TargetTransform"/>), then
/// the request header fields (set, append, remove). On the way back: the response header fields of relayed
/// responses (the node's own answers are left as they are, as nginx's <c>add_header</c> leaves error pages).
/// </summary>
public sealed class TransformFilter : IUpstreamRequestFilter, IResponseHeadFilter
{
    private readonly TargetTransform? _target;
    private readonly HeaderTransforms _requestHeaders;
    private readonly HeaderTransforms _responseHeaders;

    public TransformFilter(TransformSettings settings)
    {
        var target = new TargetTransform(settings);
        _target = target.ChangesTarget ? target : null;
        _requestHeaders = settings.RequestHeaders;
        _responseHeaders = settings.ResponseHeaders;
    }

    public void OnUpstreamRequest(IExchange exchange, HttpRequestHead head)
    {
        // Only origin-form targets have a path to rewrite ("*" and authority-form pass as they are).
        if (_target is not null && head.Path.StartsWith('/')) exchange.UpstreamTarget = _target.Apply(head.Path, head.Query);
        Apply(_requestHeaders, head.Headers);
    }

    public void OnResponseHead(IExchange exchange, HttpResponseHead head)
    {
        if (!exchange.LocalAnswer) Apply(_responseHeaders, head.Headers);
    }

    private static void Apply(HeaderTransforms transforms, HttpHeaderList headers)
    {
        if (transforms.IsEmpty) return;
        foreach (var name in transforms.Remove) headers.Remove(name);
        foreach (var (name, value) in transforms.Set) headers.Set(name, value);
        foreach (var (name, value) in transforms.Append) headers.Add(name, value);
    }
}
