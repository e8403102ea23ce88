using System.Text.Json;
using Proxy.Tests.Integration.Support;
using Xunit;
using Xunit.Abstractions;

namespace Proxy.Tests.Integration.Clustering;

/// <summary>
/// scripts/cluster-up.sh, scripts/pbm and scripts/cluster-down.sh as a user runs them (real processes, real
/// ports on 127.0.0.1), on the node binary this build produced and a run directory of the test's own.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LocalClusterScriptSpec(ITestOutputHelper output) : IDisposable
{
    private readonly LocalClusterRun _cluster = new(output);

    [Fact]
    public async Task ClusterUp_StartsNodesJoinedIntoOneCluster_PbmShowsThemUp_AndClusterDownStopsExactlyThat()
    {
        _cluster.WithPortsFor(2);
        var up = await _cluster.Script("cluster-up.sh", "2");
        Assert.True(up.Code == 0, up.Err);
        Assert.Contains("Count: 2 nodes", up.Out);
        Assert.Contains(_cluster.AdminHost(2), up.Out);
        var pids = File.ReadAllLines(_cluster.PidsFile).Select(l => int.Parse(l.Split(' ')[1])).ToList();
        Assert.Equal(4, pids.Count); // two backends, two nodes

        var again = await _cluster.Script("cluster-up.sh", "2");
        Assert.Equal(1, again.Code);
        Assert.Contains("still running", again.Err);

        var show = await _cluster.PbmJson(2, "cluster", "show");
        Assert.NotNull(show);
        var members = show.Value.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(2, members.Count);
        Assert.All(members, m => Assert.Equal("Up", m.GetProperty("status").GetString()));

        using (var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }))
        {
            var seen = new HashSet<string>();
            for (var i = 0; i < 4; i++) seen.Add(await client.GetStringAsync($"http://127.0.0.1:{_cluster.HttpPort(1 + i % 2)}/x"));
            Assert.Equal(["Hello from backend-a: GET /x\n", "Hello from backend-b: GET /x\n"], seen.Order());
        }

        var down = await _cluster.Script("cluster-down.sh");
        Assert.True(down.Code == 0, down.Err);
        Assert.Contains("stopped 2 node process(es)", down.Out);
        Assert.Contains("stopped 2 backend process(es)", down.Out);
        Assert.All(pids, pid => Assert.False(IsOurs(pid), $"pid {pid} still runs"));
        Assert.True(PortFinder.IsFree(_cluster.HttpPort(1)) && PortFinder.IsFree(_cluster.AdminPort(1))
            && PortFinder.IsFree(_cluster.BackendBase));
    }

    /// <summary>C1: Cluster Bootstrap (config discovery, as cluster-up.sh sets it). Each node in turn, the first
    /// one included, is stopped with SIGTERM and started again exactly as cluster-up.sh started it: every member
    /// sees one cluster of three and the pool has one entity; a weight set through the restarted node is seen by
    /// every node; after a full restart of the cluster the last weight is still there.</summary>
    [Fact]
    public async Task RestartingEachNodeInTurn_RejoinsTheRunningCluster_AndEveryChangeIsSeenEverywhereAndSurvivesAFullRestart()
    {
        _cluster.WithPortsFor(3);
        var up = await _cluster.Script("cluster-up.sh", "3");
        Assert.True(up.Code == 0, up.Err);
        var pool = await _cluster.PbmJson(3, "pool", "demo");
        Assert.NotNull(pool);
        var backend = pool.Value.GetProperty("backends")[0].GetProperty("address").GetString()!;

        for (var node = 1; node <= 3; node++)
        {
            await _cluster.RestartNodeAsync(node);
            await _cluster.OneClusterOf([1, 2, 3], TimeSpan.FromSeconds(60));
            await Eventually.Holds(async () =>
            {
                var stats = await _cluster.PbmJson(1, "cluster", "sharding", "region-stats", "backend-pool");
                return stats is { } doc && doc.GetProperty("regions").EnumerateArray().Sum(r => r.GetProperty("entities").GetInt32()) == 1;
            }, TimeSpan.FromSeconds(30), "the demo pool has one entity in the cluster");
            var weight = 4 + node;
            var set = await _cluster.Script("pbm", "--host", _cluster.AdminHost(node), "weight", "demo", backend, weight.ToString());
            Assert.True(set.Code == 0, set.Out + set.Err);
            await WeightSeenByEveryNode(backend, weight, $"after restarting node {node}");
        }

        var down = await _cluster.Script("cluster-down.sh");
        Assert.True(down.Code == 0, down.Err);
        var again = await _cluster.Script("cluster-up.sh", "3");
        Assert.True(again.Code == 0, again.Err);
        await WeightSeenByEveryNode(backend, 7, "after a full restart");
    }

    private async Task WeightSeenByEveryNode(string backend, int weight, string when)
    {
        for (var node = 1; node <= 3; node++)
            await Eventually.Holds(async () =>
            {
                var seen = await _cluster.PbmJson(node, "pool", "demo");
                return seen is { } doc && doc.GetProperty("backends").EnumerateArray()
                    .Any(b => b.GetProperty("address").GetString() == backend && b.GetProperty("weight").GetInt32() == weight);
            }, TimeSpan.FromSeconds(30), $"node {node} sees weight {weight} {when}");
    }

    /// <summary>A node that exits while cluster-up waits (here the last node, killed as soon as it is started) stops the
    /// start at once, naming that node and its log, instead of a 90 s wait for the first node, which cannot form a
    /// cluster without it; nothing is left running.</summary>
    [Fact]
    public async Task ClusterUp_ANodeExitingDuringStart_StopsTheStartWithThatNodesLog()
    {
        _cluster.WithPortsFor(3);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var up = _cluster.Script("cluster-up.sh", "3");
        int? killed = null;
        var pids = new List<int>(); // node-3 is started last: the file then lists everything cluster-up started
        while (killed is null && !up.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            var lines = File.Exists(_cluster.PidsFile) ? File.ReadAllLines(_cluster.PidsFile) : [];
            var line = lines.FirstOrDefault(l => l.StartsWith("node-3 ", StringComparison.Ordinal));
            if (line is not null)
            {
                pids.AddRange(lines.Select(l => int.Parse(l.Split(' ')[1])));
                killed = int.Parse(line.Split(' ')[1]);
                System.Diagnostics.Process.GetProcessById(killed.Value).Kill();
            }
            else await Task.Delay(20);
        }
        var run = await up;

        Assert.NotNull(killed);
        Assert.Equal(1, run.Code);
        Assert.Contains("node-3 exited during start", run.Err);
        Assert.Contains("stopped 2 node process(es)", run.Err);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(80), $"cluster-up took {watch.Elapsed} (its wait for readiness is 90 s)");
        Assert.Equal(5, pids.Count); // three nodes, two backends
        Assert.All(pids, pid => Assert.False(IsOurs(pid), $"pid {pid} still runs"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("ten")]
    public async Task ClusterUp_RefusesABadCount(string count)
    {
        _cluster.WithRunDirOnly();
        var run = await _cluster.Script("cluster-up.sh", count);
        Assert.Equal(2, run.Code);
        Assert.Contains("N must be a number from 1 to 9", run.Err);
    }

    private static bool IsOurs(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("Proxy.Node");
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose() => _cluster.Dispose();
}
