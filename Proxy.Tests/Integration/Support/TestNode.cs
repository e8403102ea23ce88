using System.Net;
using Proxy.Node.Hosting;
using Proxy.Shared.Configuration;

namespace Proxy.Tests.Integration.Support;

/// <summary>Starts a real proxy node in-process on OS-chosen loopback ports.</summary>
public static class TestNode
{
    /// <summary>
    /// <paramref name="proxyBody"/> is the inside of <c>proxy { }</c> without listeners/admin, which are added on
    /// port 0 (listener "public", reverse). <paramref name="dataDir"/>: the node's data directory (its SQLite
    /// journal); a fresh one when null. <paramref name="seeds"/>: <c>host:port</c> of nodes to join; none = its own cluster.
    /// </summary>
    public static async Task<ProxyNode> StartAsync(string proxyBody, string? listenerExtra = null, string? dataDir = null,
        IReadOnlyList<string>? seeds = null)
    {
        var hocon = Hocon(proxyBody, listenerExtra, dataDir ?? TestDataDirectory.Create());
        var loaded = ProxyConfigLoader.LoadText(hocon, new Dictionary<string, string?>());
        if (!loaded.IsValid) throw new InvalidOperationException(string.Join("\n", loaded.Problems));
        return await ProxyNode.StartAsync(loaded.Hocon!, loaded.Settings!,
            new NodeOptions { Port = 0, HandleSignals = false, Seeds = seeds ?? [] });
    }

    /// <summary>The config text <see cref="StartAsync"/> runs (a config revision for such a node starts from it).</summary>
    public static string Hocon(string proxyBody, string? listenerExtra, string dataDir) => $$"""
            proxy {
              listeners = [ { name = public, address = "127.0.0.1:0", mode = reverse {{listenerExtra}} } ]
              admin { address = "127.0.0.1:0" }
              access-log { enabled = off }
              log-level = warning
              shutdown { drain-delay = 0s }
              data-dir = {{TestDataDirectory.Hocon(dataDir)}}
              {{proxyBody}}
            }
            """;

    public static IPEndPoint Public(this ProxyNode node) => node.Listeners["public"];

    public static Uri BaseUri(this ProxyNode node) => new($"http://127.0.0.1:{node.Public().Port}");

    public static string PoolFor(params int[] ports)
    {
        var backends = string.Join(", ", ports.Select(p => $"\"127.0.0.1:{p}\""));
        return $$"""
            pools {
              main {
                backends = [ {{backends}} ]
                timeouts { connect = 1s, response = 2s }
                retries { attempts = 2, statuses = [503], budget = 100% }
              }
            }
            routes = [ { name = default, pool = main } ]
            """;
    }
}
