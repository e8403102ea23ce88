using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Proxy.Tests.Integration.Support;

/// <summary>
/// A local cluster as a user runs it: scripts/cluster-up.sh, scripts/pbm and scripts/cluster-down.sh as real
/// processes on free ports of 127.0.0.1, on the node binary this build produced, in a run directory of its own.
/// Node n (1-based) listens on <see cref="HttpPort"/>, answers pbm on <see cref="AdminPort"/>.
/// </summary>
public sealed class LocalClusterRun(ITestOutputHelper output) : IDisposable
{
    private readonly Dictionary<string, string> _env = new();
    private readonly List<Process> _restarted = [];

    public string RunDir { get; } = Path.Combine(Path.GetTempPath(), $"proxy-cluster-{Guid.NewGuid():N}");
    public int HttpBase { get; private set; }
    public int AdminBase { get; private set; }
    public int RemotingBase { get; private set; }
    public int BackendBase { get; private set; }
    public string PidsFile => Path.Combine(RunDir, "pids");

    public int HttpPort(int node) => HttpBase + node - 1;
    public int AdminPort(int node) => AdminBase + node - 1;
    public string AdminHost(int node) => $"127.0.0.1:{AdminPort(node)}";
    /// <summary>The node's cluster address as pbm shows it.</summary>
    public string Address(int node) => $"akka.tcp://proxy@127.0.0.1:{RemotingBase + node - 1}";

    /// <summary>Picks free port ranges (below the ephemeral range: see <see cref="PortFinder"/>) for <paramref name="count"/> nodes and the two demo backends (nothing started).</summary>
    public LocalClusterRun WithPortsFor(int count)
    {
        HttpBase = PortFinder.FreeRange(count);
        AdminBase = PortFinder.FreeRange(count);
        RemotingBase = PortFinder.FreeRange(count);
        BackendBase = PortFinder.FreeRange(2);
        var managementBase = PortFinder.FreeRange(count);
        _env["PROXY_NODE_BIN"] = NodeBin();
        _env["PROXY_CLUSTER_DIR"] = RunDir;
        _env["PROXY_CLUSTER_HTTP_BASE"] = HttpBase.ToString();
        _env["PROXY_CLUSTER_ADMIN_BASE"] = AdminBase.ToString();
        _env["PROXY_CLUSTER_REMOTING_BASE"] = RemotingBase.ToString();
        _env["PROXY_CLUSTER_MANAGEMENT_BASE"] = managementBase.ToString();
        _env["PROXY_CLUSTER_BACKEND_BASE"] = BackendBase.ToString();
        output.WriteLine($"ports: http {HttpBase}, admin {AdminBase}, remoting {RemotingBase}, backends {BackendBase}, management {managementBase}");
        return this;
    }

    /// <summary>Only the run directory (for scripts that fail before they need ports).</summary>
    public LocalClusterRun WithRunDirOnly()
    {
        _env["PROXY_CLUSTER_DIR"] = RunDir;
        return this;
    }

    public static string NodeBin()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        return Path.Combine(Repository.Root, "Proxy.Node", "bin", testBin.Parent!.Name, testBin.Name, "Proxy.Node");
    }

    public async Task<(int Code, string Out, string Err)> Script(string name, params string[] args)
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
        output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} $ scripts/{name} {string.Join(' ', args)} → {result.ExitCode}\n{result.Item2}\n{result.Item3}");
        return result;
    }

    /// <summary>pbm --json through node <paramref name="node"/>: the document, or null when pbm failed.</summary>
    public async Task<JsonElement?> PbmJson(int node, params string[] args)
    {
        var run = await Script("pbm", ["--host", AdminHost(node), "--json", .. args]);
        return run.Code == 0 ? JsonDocument.Parse(run.Out).RootElement.Clone() : null;
    }

    /// <summary>The pid cluster-up.sh (or a restart) recorded last for <paramref name="name"/> (node-1, backend-a…).</summary>
    public int Pid(string name) =>
        int.Parse(File.ReadAllLines(PidsFile).Last(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1]);

    /// <summary>Sends <paramref name="signal"/> (TERM, KILL) to node n.</summary>
    public void Signal(int node, string signal) =>
        Process.Start("kill", [$"-{signal}", Pid($"node-{node}").ToString()])!.WaitForExit();

    /// <summary>True while the process runs (a zombie, exited but not yet reaped by this machine's init, counts as gone).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/status").Split('\n')
                .Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains('Z'));
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Starts node n again with the command and environment cluster-up.sh gave it (it must have exited).</summary>
    public void StartAgain(int node, string[] command, Dictionary<string, string> environment)
    {
        var restart = new ProcessStartInfo(command[0], command[1..]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        restart.Environment.Clear();
        foreach (var (k, v) in environment) restart.Environment[k] = v;
        var process = Process.Start(restart)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _restarted.Add(process);
        File.AppendAllText(PidsFile, $"node-{node} {process.Id}\n"); // cluster-down.sh stops it too
    }

    /// <summary>The command line and environment of node n's running process.</summary>
    public (string[] Command, Dictionary<string, string> Environment) CommandOf(int node)
    {
        var pid = Pid($"node-{node}");
        var command = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var environment = File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('=', 2)).ToDictionary(e => e[0], e => e[1]);
        return (command, environment);
    }

    /// <summary>SIGTERM node n, wait for it to exit, start it again exactly as cluster-up.sh did.</summary>
    public async Task RestartNodeAsync(int node)
    {
        var (command, environment) = CommandOf(node);
        var pid = Pid($"node-{node}");
        Signal(node, "TERM");
        await Eventually.Holds(() => !IsRunning(pid), TimeSpan.FromSeconds(40), $"node {node} exits after SIGTERM");
        StartAgain(node, command, environment);
    }

    /// <summary>Every listed node shows one cluster of exactly the listed members, all Up.</summary>
    public async Task OneClusterOf(IReadOnlyList<int> nodes, TimeSpan within)
    {
        var expected = nodes.Select(Address).Order(StringComparer.Ordinal).ToList();
        foreach (var node in nodes)
            await Eventually.Holds(async () =>
            {
                var show = await PbmJson(node, "cluster", "show");
                if (show is not { } doc) return false;
                var members = doc.GetProperty("members").EnumerateArray().ToList();
                return members.Select(m => m.GetProperty("address").GetString()!).Order(StringComparer.Ordinal).SequenceEqual(expected)
                    && members.All(m => m.GetProperty("status").GetString() == "Up");
            }, within, $"pbm through node {node} shows one cluster of [{string.Join(", ", expected)}], all Up");
    }

    /// <summary>Which node hosts the pool's entity (1-based), or 0 when no shard of backend-pool is allocated.</summary>
    public async Task<int> EntityHost(int askNode)
    {
        var stats = await PbmJson(askNode, "cluster", "sharding", "region-stats", "backend-pool");
        if (stats is not { } doc) return 0;
        var host = doc.GetProperty("regions").EnumerateArray().FirstOrDefault(r => r.GetProperty("entities").GetInt32() > 0);
        if (host.ValueKind == JsonValueKind.Undefined) return 0;
        var address = host.GetProperty("address").GetString()!;
        return int.Parse(address[(address.LastIndexOf(':') + 1)..]) - RemotingBase + 1;
    }

    public void Dispose()
    {
        if (File.Exists(PidsFile))
        {
            var info = new ProcessStartInfo(Path.Combine(Repository.Root, "scripts", "cluster-down.sh")) { UseShellExecute = false };
            info.Environment["PROXY_CLUSTER_DIR"] = RunDir;
            using var p = Process.Start(info)!;
            p.WaitForExit(60_000);
        }
        foreach (var p in _restarted) p.Dispose();
        try
        {
            Directory.Delete(RunDir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
