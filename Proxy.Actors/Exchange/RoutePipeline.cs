using Proxy.Actors.Exchange.Filters;
using Proxy.Actors.Limits;

namespace Proxy.Actors.Exchange;

/// <summary>
/// The filters of one route, per phase and in order, built once per configuration snapshot (never per request):
/// request filters (rate limits today) and response head filters (their RateLimit-* fields).
/// </summary>
public sealed class RoutePipeline
{
    public static readonly RoutePipeline Empty = new([], []);

    public RoutePipeline(IRequestFilter[] requestFilters, IResponseHeadFilter[] responseHeadFilters)
    {
        RequestFilters = requestFilters;
        ResponseHeadFilters = responseHeadFilters;
    }

    public IRequestFilter[] RequestFilters { get; }

    public IResponseHeadFilter[] ResponseHeadFilters { get; }

    /// <summary>Each route's pipeline, by route name.</summary>
    public static IReadOnlyDictionary<string, RoutePipeline> ForRoutes(IEnumerable<string> routes, LimiterRuntime? limiter)
    {
        var pipelines = new Dictionary<string, RoutePipeline>(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            if (limiter?.For(route) is not { Length: > 0 } limits) continue;
            var rateLimits = new RateLimitFilter(limiter, limits);
            pipelines[route] = new RoutePipeline([rateLimits], [rateLimits]);
        }
        return pipelines;
    }
}
