namespace Proxy.Shared.Configuration;

/// <summary>
/// E3, one entry of <c>proxy.tcp-routes</c>: connections accepted on <see cref="Listen"/> are spliced, byte for
/// byte, to a backend of <see cref="Pool"/> chosen by the pool's policy among the backends the cluster
/// considers usable (health checks, breaker, drain), with the pool's connect timeout and retries.
/// </summary>
public sealed record TcpRouteSettings
{
    public required string Name { get; init; }
    /// <summary>"host:port" to listen on (port 0: the OS chooses, tests).</summary>
    public required string Listen { get; init; }
    public required string Pool { get; init; }
    /// <summary>A connection with no bytes either way for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
