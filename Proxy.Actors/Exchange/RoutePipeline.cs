using Proxy.Actors.Caching;
using Proxy.Actors.Exchange.Filters;
using Proxy.Actors.Limits;
using Proxy.Shared.Configuration;
using Proxy.Shared.Security;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

/// <summary>
/// The filters of one route, per phase and in order, built once per configuration snapshot (never per request).
/// Request filters run in the order middleware is listed (<see cref="ForRoutes"/>); response head filters run in the
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

    /// <summary>E5: what a request for this route from another node (asking this one as a key's owner, on the internal
    /// cache listener) runs: the cache as the owner, and the route's upstream request filters; the other middleware ran
    /// on the node the client is on, and runs there on the response. Null: the route has no cache.</summary>
    public RoutePipeline? Peer { get; private init; }

    /// <summary>E5: what the node's own requests for this route's keys run (a background revalidation, warming), sent
    /// to its internal listener: the cache as the client's requests meet it (asking a key's owner when it is another
    /// node), and the route's upstream request filters. Null: the route has no cache.</summary>
    public RoutePipeline? Local { get; private init; }

    /// <summary>Each route's pipeline, by route name (routes without middleware have none). Middleware runs in this
    /// order: request id, security headers, access control, authentication, rate limits, the route's plugin filters,
    /// compression, transforms, cache (so on the way back the cache sees the backend's head first, the transforms see it
    /// next, and compression sees theirs).</summary>
    /// <param name="warn">Told when a key or users file changed but cannot be used (the previous one stays).</param>
    /// <param name="plugins">The filters <c>proxy.plugins</c> loaded, by name (routes list them in <c>filters</c>).</param>
    /// <param name="caches">The node's response stores (routes with a cache) and the cluster's owners of their keys;
    /// null: caches are not kept across configuration snapshots and no key has another owner (tests).</param>
    /// <param name="addForwarded">Requests for a key's owner carry RFC 7239 <c>Forwarded</c> (as the origin would get).</param>
    public static IReadOnlyDictionary<string, RoutePipeline> ForRoutes(IEnumerable<RouteSettings> routes, LimiterRuntime? limiter,
        Action<string>? warn = null, IReadOnlyDictionary<string, IExchangeFilter>? plugins = null, ResponseCaches? caches = null,
        bool addForwarded = false)
    {
        var pipelines = new Dictionary<string, RoutePipeline>(StringComparer.Ordinal);
        // Routes that inherit the same settings from proxy.defaults share one filter (and one watched file).
        var shared = new Dictionary<object, IExchangeFilter>(ReferenceEqualityComparer.Instance);
        foreach (var entry in routes)
        {
            var route = entry.Middleware;
            var middleware = new List<IExchangeFilter>(8);
            if (route.RequestId.Enabled) middleware.Add(Shared(route.RequestId, s => new RequestIdFilter(s)));
            if (route.SecurityHeaders) middleware.Add(SecurityHeadersFilter.Instance);
            if (route.Access is { } access) middleware.Add(Shared(access, s => new AccessControlFilter(s)));
            if (route.Auth is { } auth) middleware.Add(Shared(auth, s => AuthFilter(s, warn)));
            if (limiter?.For(entry.Name) is { Length: > 0 } limits) middleware.Add(new RateLimitFilter(limiter, limits));
            foreach (var name in route.Filters)
                middleware.Add(plugins?.GetValueOrDefault(name) ?? throw new InvalidOperationException($"plugin '{name}' is not loaded"));
            if (route.Compression is { Enabled: true } compression) middleware.Add(Shared(compression, s => new CompressionFilter(s)));
            if (route.Transforms is { } transforms) middleware.Add(Shared(transforms, s => new TransformFilter(s)));
            // Last: the cache stands where the upstream stands (a hit passes every other response filter; what it
            // stores is the backend's response before them), and only requests every other filter let through reach it.
            CacheFilter? asOwner = null, asked = null;
            if (route.Cache is { Enabled: true } cache)
            {
                caches ??= new ResponseCaches("proxy");
                var store = caches.StoreFor(entry.Name, cache);
                middleware.Add(asked = new CacheFilter(cache, store, caches.CacheName, new CacheFilter.Ownership(entry.Name, caches.Owners, addForwarded),
                    cache.PurgeToken is { } token ? new HttpPurge(token, caches) : null));
                asOwner = new CacheFilter(cache, store, caches.CacheName, new CacheFilter.Ownership(entry.Name, caches.Owners, addForwarded, AskOwners: false));
            }
            if (middleware.Count == 0) continue;
            var pipeline = Of(middleware);
            pipelines[entry.Name] = asOwner is null ? pipeline : new RoutePipeline(pipeline.RequestFilters, pipeline.UpstreamRequestFilters,
                pipeline.ResponseHeadFilters)
            {
                Peer = new RoutePipeline([asOwner], pipeline.UpstreamRequestFilters, [asOwner]),
                Local = new RoutePipeline([asked!], pipeline.UpstreamRequestFilters, [asked!]),
            };
        }
        return pipelines;

        IExchangeFilter Shared<T>(T settings, Func<T, IExchangeFilter> create) where T : class
        {
            if (!shared.TryGetValue(settings, out var filter)) shared[settings] = filter = create(settings);
            return filter;
        }
    }

    private static IExchangeFilter AuthFilter(AuthSettings auth, Action<string>? warn)
    {
        if (auth.ApiKeys is { } keys)
            return new ApiKeyFilter(keys, new ReloadingFile<ApiKeyFile>(keys.KeysFile,
                (string text, out string? error) => ApiKeyFile.TryParse(text, out var parsed, out error) ? parsed : null, warn));
        var basic = auth.Basic!;
        return new BasicAuthFilter(basic, new ReloadingFile<BasicUsersFile>(basic.UsersFile,
            (string text, out string? error) => BasicUsersFile.TryParse(text, out var parsed, out error) ? parsed : null, warn));
    }

    /// <summary>What applies where no route does (no route matched, or the head could not be read): the defaults'
    /// request id and security headers, so every answer carries them.</summary>
    public static RoutePipeline ForDefaults(RouteMiddleware defaults)
    {
        var middleware = new List<IExchangeFilter>(2);
        if (defaults.RequestId.Enabled) middleware.Add(new RequestIdFilter(defaults.RequestId));
        if (defaults.SecurityHeaders) middleware.Add(SecurityHeadersFilter.Instance);
        return middleware.Count == 0 ? Empty : Of(middleware);
    }

    /// <summary>A pipeline of <paramref name="middleware"/> in request order, each in the phases it implements.</summary>
    public static RoutePipeline Of(IReadOnlyList<IExchangeFilter> middleware)
    {
        var responseHeads = middleware.OfType<IResponseHeadFilter>().ToArray();
        Array.Reverse(responseHeads);
        return new RoutePipeline(middleware.OfType<IRequestFilter>().ToArray(),
            middleware.OfType<IUpstreamRequestFilter>().ToArray(), responseHeads);
    }
}
