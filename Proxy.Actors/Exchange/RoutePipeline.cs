using Proxy.Actors.Exchange.Filters;
using Proxy.Actors.Limits;
using Proxy.Shared.Configuration;

namespace Proxy.Actors.Exchange;

/// <summary>
/// The filters of one route, per phase and in order, built once per configuration snapshot (never per request).
/// Request filters run in the order middleware is listed (request id, rate limits); response head filters run in the
/// reverse order, so the first middleware sees the response last, as in an onion of middleware.
/// </summary>
public sealed class RoutePipeline
{
    public static readonly RoutePipeline Empty = new([], [], []);

    public RoutePipeline(IRequestFilter[] requestFilters, IUpstreamRequestFilter[] upstreamRequestFilters,
        IResponseHeadFilter[] responseHeadFilters)
    {
        RequestFilters = requestFilters;
        UpstreamRequestFilters = upstreamRequestFilters;
        ResponseHeadFilters = responseHeadFilters;
    }

    public IRequestFilter[] RequestFilters { get; }

    public IUpstreamRequestFilter[] UpstreamRequestFilters { get; }

    public IResponseHeadFilter[] ResponseHeadFilters { get; }

    /// <summary>Each route's pipeline, by route name (routes without middleware have none).</summary>
    public static IReadOnlyDictionary<string, RoutePipeline> ForRoutes(IEnumerable<RouteSettings> routes, LimiterRuntime? limiter)
    {
        var pipelines = new Dictionary<string, RoutePipeline>(StringComparer.Ordinal);
        // Routes that inherit the same settings share one filter instance.
        var requestIds = new Dictionary<RequestIdSettings, RequestIdFilter>(ReferenceEqualityComparer.Instance);
        var transforms = new Dictionary<TransformSettings, TransformFilter>(ReferenceEqualityComparer.Instance);
        foreach (var route in routes)
        {
            var middleware = new List<IExchangeFilter>(3);
            if (route.RequestId.Enabled)
            {
                if (!requestIds.TryGetValue(route.RequestId, out var requestId))
                    requestIds[route.RequestId] = requestId = new RequestIdFilter(route.RequestId);
                middleware.Add(requestId);
            }
            if (limiter?.For(route.Name) is { Length: > 0 } limits) middleware.Add(new RateLimitFilter(limiter, limits));
            if (route.Transforms is { } settings)
            {
                if (!transforms.TryGetValue(settings, out var transform))
                    transforms[settings] = transform = new TransformFilter(settings);
                middleware.Add(transform);
            }
            if (middleware.Count > 0) pipelines[route.Name] = Of(middleware);
        }
        return pipelines;
    }

    /// <summary>What applies where no route does (no route matched, or the head could not be read): the defaults'
    /// request id, so every answer carries one.</summary>
    public static RoutePipeline ForDefaults(RouteDefaults defaults) =>
        defaults.RequestId.Enabled ? Of([new RequestIdFilter(defaults.RequestId)]) : Empty;

    /// <summary>A pipeline of <paramref name="middleware"/> in request order, each in the phases it implements.</summary>
    public static RoutePipeline Of(IReadOnlyList<IExchangeFilter> middleware)
    {
        var responseHeads = middleware.OfType<IResponseHeadFilter>().ToArray();
        Array.Reverse(responseHeads);
        return new RoutePipeline(middleware.OfType<IRequestFilter>().ToArray(),
            middleware.OfType<IUpstreamRequestFilter>().ToArray(), responseHeads);
    }
}
