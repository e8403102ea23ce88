namespace Proxy.Shared.Pipeline;

/// <summary>
/// The entry point of a plugin assembly (<c>proxy.plugins</c>): one public, non-abstract class implementing this with a
/// parameterless constructor. The node loads the assembly at start in its own load context (its dependencies stay its
/// own; Proxy.Shared and the framework are the node's), creates the class once and asks it for the filter the config
/// names. The filter implements any of the phase interfaces (<see cref="IRequestFilter"/>,
/// <see cref="IUpstreamRequestFilter"/>, <see cref="IResponseHeadFilter"/>) and takes part in each, on the routes whose
/// <c>filters</c> list its name; it is shared by every request on them, so it must be safe to use from many threads.
/// A filter that throws gets that request answered 500 (counted in <c>proxy_filter_failures_total</c>); the node
/// keeps serving.
/// </summary>
public interface IProxyPlugin
{
    IExchangeFilter CreateFilter(PluginContext context);
}

/// <param name="Name">The plugin's name in the config.</param>
/// <param name="Settings">Its <c>settings { … }</c> block as text, nested keys joined with '.' (<c>limits.max</c>).</param>
public sealed record PluginContext(string Name, IReadOnlyDictionary<string, string> Settings);
