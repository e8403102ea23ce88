using Proxy.Actors.Transport;
using Proxy.Shared.Http;

namespace Proxy.Node.Hosting;

/// <summary>Process-level options of a node: remoting address and cluster formation (PROXY_HOSTNAME, PROXY_PUBLIC_HOSTNAME,
/// PROXY_PORT, PROXY_SEEDS or PROXY_DISCOVERY and its variables).</summary>
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

    /// <summary>The environment a config revision is resolved with (its <c>${?VAR}</c> and <c>PROXY__…</c> values): the
    /// process's, as the node's own config file was (O6).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>The config file the node started from: <c>SIGHUP</c> and a change to it apply it as a new revision
    /// (null: not watched).</summary>
    public string? ConfigPath { get; init; }

    /// <summary>How the node finds its cluster: itself, a seed list, or Cluster Bootstrap (PROXY_DISCOVERY, PROXY_CONTACT_POINTS…).</summary>
    public ClusterFormation Formation { get; init; } = new();

    public ClusterJoinMethod JoinMethod => Formation.UsesBootstrap ? Formation.Method
        : Seeds.Count > 0 ? ClusterJoinMethod.Seeds : ClusterJoinMethod.Self;

    /// <summary>Reads the process options; every mistake is a problem naming its variable (the node exits with 2).</summary>
    public static NodeOptions FromEnvironment(IReadOnlyDictionary<string, string?> env, List<string> problems)
    {
        var options = new NodeOptions { Environment = env };
        if (env.TryGetValue("PROXY_HOSTNAME", out var host) && !string.IsNullOrWhiteSpace(host))
            options = options with { Hostname = host.Trim() };
        if (env.TryGetValue("PROXY_PUBLIC_HOSTNAME", out var publicHost) && !string.IsNullOrWhiteSpace(publicHost))
            options = options with { PublicHostname = publicHost.Trim() };
        if (env.TryGetValue("PROXY_PORT", out var port) && !string.IsNullOrWhiteSpace(port))
        {
            if (int.TryParse(port.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535) options = options with { Port = p };
            else problems.Add($"PROXY_PORT: '{port.Trim()}' is not a port (0-65535)");
        }
        if (env.TryGetValue("PROXY_SEEDS", out var seeds) && !string.IsNullOrWhiteSpace(seeds))
        {
            var list = seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            // A seed without a port became port -1: the node served traffic but never joined (issue 22).
            foreach (var seed in list.Where(s => !HostSyntax.IsValidAuthority(s, requirePort: true)))
                problems.Add($"PROXY_SEEDS: '{seed}' is not host:port (every seed names its remoting port, e.g. 127.0.0.1:4053)");
            options = options with { Seeds = list };
        }
        if (env.TryGetValue("PROXY_TRANSPORT", out var transport) && !string.IsNullOrWhiteSpace(transport))
        {
            switch (transport.Trim())
            {
                case "sockets": break;
                case "akka-io": options = options with { Transport = ListenerTransport.AkkaIo }; break;
                default: problems.Add($"PROXY_TRANSPORT: '{transport.Trim()}' is not a transport (valid: sockets, akka-io)"); break;
            }
        }
        return options with { Formation = ClusterFormation.FromEnvironment(env, options.Seeds.Count > 0, problems) };
    }
}
