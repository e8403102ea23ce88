namespace Proxy.Shared.Pipeline;

/// <summary>A piece of middleware: implements one or more of the phase interfaces (<see cref="IRequestFilter"/>,
/// <see cref="IUpstreamRequestFilter"/>, <see cref="IResponseHeadFilter"/>) and takes part in each of them.</summary>
public interface IExchangeFilter;
