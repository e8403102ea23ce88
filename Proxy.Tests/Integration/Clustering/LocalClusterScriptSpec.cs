using System.Diagnostics;
using System.Net.Sockets;
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
    private readonly string _runDir = Path.Combine(Path.GetTempPath(), $"proxy-cluster-{Guid.NewGuid():N}");
    private readonly Dictionary<string, string> _env = new();

    private static string NodeBin()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        return Path.Combine(Repository.Root, "Proxy.Node", "bin", testBin.Parent!.Name, testBin.Name, "Proxy.Node");
    }

    /// <summary>A base port such that base..base+count-1 are all free on 127.0.0.1 right now.</summary>
    private static int FreeRange(int count, HashSet<int> taken)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var start = Random.Shared.Next(20_000, 40_000);
            if (Enumerable.Range(start, count).Any(taken.Contains) || !Enumerable.Range(start, count).All(IsFree)) continue;
            foreach (var p in Enumerable.Range(start, count)) taken.Add(p);
            return start;
        }
        throw new InvalidOperationException("no free port range");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task<(int Code, string Out, string Err)> Script(string name, params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(Repository.Root, "scripts", name), args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        foreach (var (k, v) in _env) info.Environment[k] = v;
        info.Environment.Remove("PROXY_ADMIN_TOKEN");
        info.Environment.Remove("PROXY_ADMIN_TOKEN_FILE");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        await process.WaitForExitAsync(timeout.Token);
        var result = (process.ExitCode, await stdout, await stderr);
        output.WriteLine($"$ scripts/{name} {string.Join(' ', args)} → {result.ExitCode}\n{result.Item2}\n{result.Item3}");
        return result;
    }

    [Fact]
    public async Task ClusterUp_StartsNodesJoinedIntoOneCluster_PbmShowsThemUp_AndClusterDownStopsExactlyThat()
    {
        var taken = new HashSet<int>();
        var http = FreeRange(2, taken);
        var admin = FreeRange(2, taken);
        var remoting = FreeRange(2, taken);
        var backends = FreeRange(2, taken);
        _env["PROXY_NODE_BIN"] = NodeBin();
        _env["PROXY_CLUSTER_DIR"] = _runDir;
        _env["PROXY_CLUSTER_HTTP_BASE"] = http.ToString();
        _env["PROXY_CLUSTER_ADMIN_BASE"] = admin.ToString();
        _env["PROXY_CLUSTER_REMOTING_BASE"] = remoting.ToString();
        _env["PROXY_CLUSTER_MANAGEMENT_BASE"] = FreeRange(2, taken).ToString();
        _env["PROXY_CLUSTER_BACKEND_BASE"] = backends.ToString();

        var up = await Script("cluster-up.sh", "2");
        Assert.True(up.Code == 0, up.Err);
        Assert.Contains("Count: 2 nodes", up.Out);
        Assert.Contains($"127.0.0.1:{admin + 1}", up.Out);
        var pids = File.ReadAllLines(Path.Combine(_runDir, "pids")).Select(l => int.Parse(l.Split(' ')[1])).ToList();
        Assert.Equal(4, pids.Count); // two backends, two nodes

        var again = await Script("cluster-up.sh", "2");
        Assert.Equal(1, again.Code);
        Assert.Contains("still running", again.Err);

        var show = await Script("pbm", "--host", $"127.0.0.1:{admin + 1}", "--json", "cluster", "show");
        Assert.True(show.Code == 0, show.Err);
        var members = JsonDocument.Parse(show.Out).RootElement.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(2, members.Count);
        Assert.All(members, m => Assert.Equal("Up", m.GetProperty("status").GetString()));

        using (var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }))
        {
            var seen = new HashSet<string>();
            for (var i = 0; i < 4; i++) seen.Add(await client.GetStringAsync($"http://127.0.0.1:{http + i % 2}/x"));
            Assert.Equal(["Hello from backend-a: GET /x\n", "Hello from backend-b: GET /x\n"], seen.Order());
        }

        var down = await Script("cluster-down.sh");
        Assert.True(down.Code == 0, down.Err);
        Assert.Contains("stopped 2 node process(es)", down.Out);
        Assert.Contains("stopped 2 backend process(es)", down.Out);
        Assert.All(pids, pid => Assert.False(IsOurs(pid), $"pid {pid} still runs"));
        Assert.True(IsFree(http) && IsFree(admin) && IsFree(backends));
    }

    /// <summary>C1: Cluster Bootstrap (config discovery, as cluster-up.sh sets it). Each node in turn, the first
    /// one included, is stopped with SIGTERM and started again exactly as cluster-up.sh started it: every member
    /// sees one cluster of three and the pool has one entity; a weight set through the restarted node is seen by
    /// every node; after a full restart of the cluster the last weight is still there.</summary>
    [Fact]
    public async Task RestartingEachNodeInTurn_RejoinsTheRunningCluster_AndEveryChangeIsSeenEverywhereAndSurvivesAFullRestart()
    {
        var taken = new HashSet<int>();
        var admin = FreeRange(3, taken);
        _env["PROXY_NODE_BIN"] = NodeBin();
        _env["PROXY_CLUSTER_DIR"] = _runDir;
        _env["PROXY_CLUSTER_HTTP_BASE"] = FreeRange(3, taken).ToString();
        _env["PROXY_CLUSTER_ADMIN_BASE"] = admin.ToString();
        _env["PROXY_CLUSTER_REMOTING_BASE"] = FreeRange(3, taken).ToString();
        _env["PROXY_CLUSTER_MANAGEMENT_BASE"] = FreeRange(3, taken).ToString();
        _env["PROXY_CLUSTER_BACKEND_BASE"] = FreeRange(2, taken).ToString();
        var up = await Script("cluster-up.sh", "3");
        Assert.True(up.Code == 0, up.Err);
        var pidsFile = Path.Combine(_runDir, "pids");
        var pool = await Script("pbm", "--host", $"127.0.0.1:{admin + 2}", "--json", "pool", "demo");
        Assert.True(pool.Code == 0, pool.Err);
        var backend = JsonDocument.Parse(pool.Out).RootElement.GetProperty("backends")[0].GetProperty("address").GetString()!;

        var restarted = new List<Process>();
        try
        {
            for (var node = 1; node <= 3; node++)
            {
                restarted.Add(await RestartNode(pidsFile, node));
                await OneClusterOfThreeWithOneEntity(admin);
                var weight = 4 + node;
                var set = await Script("pbm", "--host", $"127.0.0.1:{admin + node - 1}", "weight", "demo", backend, weight.ToString());
                Assert.True(set.Code == 0, set.Out + set.Err);
                await WeightSeenByEveryNode(admin, backend, weight, $"after restarting node {node}");
            }

            var down = await Script("cluster-down.sh");
            Assert.True(down.Code == 0, down.Err);
            var again = await Script("cluster-up.sh", "3");
            Assert.True(again.Code == 0, again.Err);
            await WeightSeenByEveryNode(admin, backend, 7, "after a full restart");
        }
        finally
        {
            foreach (var p in restarted) p.Dispose();
        }
    }

    /// <summary>SIGTERM node N of cluster-up.sh and start it again with the same command and environment.</summary>
    private static async Task<Process> RestartNode(string pidsFile, int node)
    {
        var pid = int.Parse(File.ReadAllLines(pidsFile).Last(l => l.StartsWith($"node-{node} ", StringComparison.Ordinal)).Split(' ')[1]);
        var command = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var environment = File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('=', 2)).ToDictionary(e => e[0], e => e[1]);
        using (var old = Process.GetProcessById(pid))
        {
            Process.Start("kill", ["-TERM", pid.ToString()])!.WaitForExit();
            await old.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(40)).Token);
        }
        var restart = new ProcessStartInfo(command[0], command[1..]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        restart.Environment.Clear();
        foreach (var (k, v) in environment) restart.Environment[k] = v;
        var restarted = Process.Start(restart)!;
        restarted.BeginOutputReadLine();
        restarted.BeginErrorReadLine();
        await File.AppendAllTextAsync(pidsFile, $"node-{node} {restarted.Id}\n"); // cluster-down.sh stops it too
        return restarted;
    }

    private async Task OneClusterOfThreeWithOneEntity(int admin)
    {
        for (var i = 0; i < 3; i++)
        {
            var host = $"127.0.0.1:{admin + i}";
            await Eventually.Holds(async () =>
            {
                var show = await Script("pbm", "--host", host, "--json", "cluster", "show");
                if (show.Code != 0) return false;
                var members = JsonDocument.Parse(show.Out).RootElement.GetProperty("members").EnumerateArray().ToList();
                return members.Count == 3 && members.All(m => m.GetProperty("status").GetString() == "Up");
            }, TimeSpan.FromSeconds(60), $"pbm through {host} shows one cluster of 3 Up members");
        }
        await Eventually.Holds(async () =>
        {
            var stats = await Script("pbm", "--host", $"127.0.0.1:{admin}", "--json", "cluster", "sharding", "region-stats", "backend-pool");
            return stats.Code == 0 && JsonDocument.Parse(stats.Out).RootElement.GetProperty("regions").EnumerateArray()
                .Sum(r => r.GetProperty("entities").GetInt32()) == 1;
        }, TimeSpan.FromSeconds(30), "the demo pool has one entity in the cluster");
    }

    private async Task WeightSeenByEveryNode(int admin, string backend, int weight, string when)
    {
        for (var i = 0; i < 3; i++)
        {
            var host = $"127.0.0.1:{admin + i}";
            await Eventually.Holds(async () =>
            {
                var seen = await Script("pbm", "--host", host, "--json", "pool", "demo");
                return seen.Code == 0 && JsonDocument.Parse(seen.Out).RootElement.GetProperty("backends").EnumerateArray()
                    .Any(b => b.GetProperty("address").GetString() == backend && b.GetProperty("weight").GetInt32() == weight);
            }, TimeSpan.FromSeconds(30), $"{host} sees weight {weight} {when}");
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("ten")]
    public async Task ClusterUp_RefusesABadCount(string count)
    {
        _env["PROXY_CLUSTER_DIR"] = _runDir;
        var run = await Script("cluster-up.sh", count);
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

    public void Dispose()
    {
        if (File.Exists(Path.Combine(_runDir, "pids")))
        {
            var info = new ProcessStartInfo(Path.Combine(Repository.Root, "scripts", "cluster-down.sh")) { UseShellExecute = false };
            info.Environment["PROXY_CLUSTER_DIR"] = _runDir;
            using var p = Process.Start(info)!;
            p.WaitForExit(60_000);
        }
        try
        {
            Directory.Delete(_runDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
