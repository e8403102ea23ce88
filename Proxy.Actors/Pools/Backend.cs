using System.Net;
using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;

namespace Proxy.Actors.Pools;

/// <summary>A backend as this node sees it: balancing state plus the node's connections to it.</summary>
public sealed class Backend : LoadBalancedBackend
{
    public Backend(BackendSettings settings, UpstreamConnectionSettings connections)
        : base(settings.Address, settings.Weight)
    {
        Settings = settings;
        EndPoint = IPAddress.TryParse(settings.Host, out var ip)
            ? new IPEndPoint(ip, settings.Port)
            : new DnsEndPoint(settings.Host, settings.Port);
        Connections = new UpstreamConnectionPool(connections.MaxPerBackend);
    }

    public BackendSettings Settings { get; }
    public EndPoint EndPoint { get; }
    public UpstreamConnectionPool Connections { get; }
}
