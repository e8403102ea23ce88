using Akka.Actor;
using Akka.Cluster;
using Proxy.Actors.Pools;
using Proxy.Node.Hosting;
using Proxy.Shared.Configuration;

namespace Proxy.Tests.Integration.Support;

/// <summary>
/// N real nodes in this process (own ActorSystems, OS-chosen remoting and listener ports on 127.0.0.1),
/// joined into one cluster: the first joins itself, the others use it as their seed.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<ProxyNode?> _nodes;
    private readonly string _proxyBody;
    // One journal for the whole cluster, as on one machine: nodes share the SQLite file.
    private readonly string _dataDir = TestDataDirectory.Create();

    private TestCluster(List<ProxyNode?> nodes, string proxyBody)
    {
        _nodes = nodes;
        _proxyBody = proxyBody;
    }

    public ProxyNode this[int i] => _nodes[i] ?? throw new InvalidOperationException($"node {i} is stopped");
    public IEnumerable<ProxyNode> Running => _nodes.OfType<ProxyNode>();
    public string Seed { get; private set; } = "";

    public static async Task<TestCluster> StartAsync(int count, string proxyBody)
    {
        var cluster = new TestCluster([], proxyBody);
        try
        {
            for (var i = 0; i < count; i++) cluster._nodes.Add(await cluster.StartNodeAsync(i == 0 ? [] : [cluster.Seed]));
            await cluster.WaitForMembersUpAsync(count, TimeSpan.FromSeconds(30));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task<ProxyNode> StartNodeAsync(IReadOnlyList<string> seeds)
    {
        var hocon = ConfigText(_proxyBody);
        var loaded = ProxyConfigLoader.LoadText(hocon, new Dictionary<string, string?>());
        if (!loaded.IsValid) throw new InvalidOperationException(string.Join("\n", loaded.Problems));
        var node = await ProxyNode.StartAsync(loaded.Hocon!, loaded.Settings!,
            new NodeOptions { Port = 0, HandleSignals = false, Seeds = seeds });
        if (Seed.Length == 0)
        {
            var self = Cluster.Get(node.System).SelfAddress;
            Seed = $"{self.Host}:{self.Port}";
        }
        return node;
    }

    /// <summary>The config text the nodes run, with <paramref name="proxyBody"/> inside <c>proxy { }</c> (a config
    /// revision for this cluster starts from it).</summary>
    public string ConfigText(string proxyBody) => $$"""
            proxy {
              listeners = [ { name = public, address = "127.0.0.1:0", mode = reverse } ]
              admin { address = "127.0.0.1:0" }
              access-log { enabled = off }
              log-level = warning
              shutdown { drain-delay = 0s }
              data-dir = {{TestDataDirectory.Hocon(_dataDir)}}
              {{proxyBody}}
            }
            """;

    /// <summary>Starts one more node (or restarts node <paramref name="slot"/>) that joins through the running ones.
    /// <paramref name="onStarted"/> runs as soon as the node started, before it is known to be Up.</summary>
    public async Task<ProxyNode> AddNodeAsync(int? slot = null, Action<ProxyNode>? onStarted = null)
    {
        var seeds = Running.Select(n => Cluster.Get(n.System).SelfAddress).Select(a => $"{a.Host}:{a.Port}").ToList();
        var node = await StartNodeAsync(seeds);
        onStarted?.Invoke(node);
        if (slot is { } s) _nodes[s] = node;
        else _nodes.Add(node);
        await WaitForMembersUpAsync(Running.Count(), TimeSpan.FromSeconds(30));
        return node;
    }

    /// <summary>Graceful stop of node <paramref name="i"/> (CoordinatedShutdown: drain, leave, hand off).</summary>
    public async Task StopNodeAsync(int i)
    {
        var node = this[i];
        _nodes[i] = null;
        await node.StopAsync();
    }

    public async Task WaitForMembersUpAsync(int count, TimeSpan timeout)
    {
        await Eventually.Holds(() => Running.All(n =>
        {
            var state = Cluster.Get(n.System).State;
            return state.Members.Count(m => m.Status == MemberStatus.Up) == count && state.Unreachable.Count == 0;
        }), timeout, $"{count} members Up on every node");
    }

    /// <summary>Runs <c>pbm --json ARGS</c> against node <paramref name="i"/>'s admin listener; asserts it succeeded.</summary>
    public async Task<System.Text.Json.JsonElement> PbmJsonAsync(int i, string token, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Proxy.Node.Cli.PbmApp.RunAsync(["--host", $"127.0.0.1:{this[i].Admin.Port}", "--json", .. args], stdout, stderr,
            new Dictionary<string, string?> { ["PROXY_ADMIN_TOKEN"] = token });
        Xunit.Assert.True(code == 0, $"pbm {string.Join(' ', args)} on node {i}: {stderr}");
        return System.Text.Json.JsonDocument.Parse(stdout.ToString()).RootElement.Clone();
    }

    /// <summary>Node <paramref name="i"/>'s cluster address, as members and lease holders are named.</summary>
    public string AddressOf(int i) => Cluster.Get(this[i].System).SelfAddress.ToString();

    /// <summary>The backend as node <paramref name="i"/> decides with it right now (no network involved).</summary>
    public Backend BackendOn(int i, string pool, string address) =>
        this[i].Runtime.Current.Pools[pool].Backends.Single(b => b.Address == address);

    /// <summary>The node whose region hosts the pool's entity; -1 when no region reports it (yet).</summary>
    /// <remarks>Each running node's own region is asked for its shards (answered locally). The cluster-wide
    /// statistics would depend on the shard coordinator, which answers nothing while it hands over and an empty
    /// set while any region it still lists (one that has just left) does not answer.</remarks>
    public async Task<int> EntityHostAsync(string pool)
    {
        var shardId = new BackendPoolMessageExtractor(30).ShardId(pool, null)!;
        for (var i = 0; i < _nodes.Count; i++)
        {
            if (_nodes[i] is not { } node) continue;
            var region = Akka.Cluster.Sharding.ClusterSharding.Get(node.System).ShardRegion(BackendPoolMessageExtractor.RegionName);
            try
            {
                var stats = await region.Ask<Akka.Cluster.Sharding.ShardRegionStats>(Akka.Cluster.Sharding.GetShardRegionStats.Instance,
                    TimeSpan.FromSeconds(3));
                if (stats.Stats.TryGetValue(shardId, out var entities) && entities > 0) return i;
            }
            catch (AskTimeoutException)
            {
                // A region busy shutting down: not the host we are looking for.
            }
        }
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.OfType<ProxyNode>().Reverse())
        {
            try
            {
                await node.DisposeAsync();
            }
            catch
            {
                // Best effort: the test has already failed or finished.
            }
        }
        _nodes.Clear();
    }
}
