using Proxy.Shared.Configuration;
using Proxy.Shared.Http;

namespace Proxy.Shared.Routing;

/// <summary>
/// The routes of one config load, compiled once and matched in their configured order: the first route
/// whose conditions all hold wins. Immutable; a config reload builds a new table and swaps the reference.
/// </summary>
public sealed class RouteTable
{
    private readonly CompiledRoute[] _routes;

    private RouteTable(CompiledRoute[] routes) => _routes = routes;

    /// <summary>A table without routes: every request is unmatched.</summary>
    public static RouteTable Empty { get; } = new([]);

    /// <summary>The compiled routes in match order.</summary>
    public IReadOnlyList<CompiledRoute> Routes => _routes;

    /// <summary>
    /// Compiles <paramref name="routes"/> in the given order. Settings are expected to be validated already;
    /// an invalid regex throws <see cref="ArgumentException"/>.
    /// </summary>
    public static RouteTable Build(IReadOnlyList<RouteSettings> routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var compiled = new CompiledRoute[routes.Count];
        for (var i = 0; i < compiled.Length; i++) compiled[i] = new CompiledRoute(routes[i], i);
        return new RouteTable(compiled);
    }

    /// <summary>The route called <paramref name="name"/>, or null.</summary>
    public CompiledRoute? Named(string name)
    {
        foreach (var route in _routes)
            if (route.Name == name) return route;
        return null;
    }

    /// <summary>The first route matching <paramref name="request"/>, or null (no route: 404).</summary>
    public CompiledRoute? Match(HttpRequestHead request)
    {
        foreach (var route in _routes)
            if (route.Matches(request))
                return route;
        return null;
    }
}
