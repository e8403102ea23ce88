using Proxy.Actors.Transport;

namespace Proxy.Node.Hosting;

/// <summary>Process-level options of a node: remoting address and seeds (from PROXY_HOSTNAME/PUBLIC_HOSTNAME/PORT/SEEDS).</summary>
public sealed record NodeOptions
{
    public string Hostname { get; init; } = "127.0.0.1";
    /// <summary>The name other nodes reach this one by when it differs from the bound one (PROXY_PUBLIC_HOSTNAME,
    /// e.g. bind 0.0.0.0 in a container and advertise its service name).</summary>
    public string? PublicHostname { get; init; }
    /// <summary>Remoting port; 0 lets the OS choose (in-process test clusters).</summary>
    public int Port { get; init; } = 4053;
    /// <summary>Seed nodes as "host:port"; empty means the node joins itself (a one-node cluster).</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];
    /// <summary>Install the console lifetime (SIGTERM/SIGINT → graceful shutdown). Off for in-process tests.</summary>
    public bool HandleSignals { get; init; } = true;
    /// <summary>Listener transport (PROXY_TRANSPORT=sockets|akka-io); akka-io exists for benchmark comparison.</summary>
    public ListenerTransport Transport { get; init; } = ListenerTransport.Sockets;

    public static NodeOptions FromEnvironment(IReadOnlyDictionary<string, string?> env)
    {
        var options = new NodeOptions();
        if (env.TryGetValue("PROXY_HOSTNAME", out var host) && !string.IsNullOrWhiteSpace(host))
            options = options with { Hostname = host.Trim() };
        if (env.TryGetValue("PROXY_PUBLIC_HOSTNAME", out var publicHost) && !string.IsNullOrWhiteSpace(publicHost))
            options = options with { PublicHostname = publicHost.Trim() };
        if (env.TryGetValue("PROXY_PORT", out var port) && int.TryParse(port, out var p))
            options = options with { Port = p };
        if (env.TryGetValue("PROXY_SEEDS", out var seeds) && !string.IsNullOrWhiteSpace(seeds))
            options = options with
            {
                Seeds = seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            };
        if (env.TryGetValue("PROXY_TRANSPORT", out var transport) && transport == "akka-io")
            options = options with { Transport = ListenerTransport.AkkaIo };
        return options;
    }
}
