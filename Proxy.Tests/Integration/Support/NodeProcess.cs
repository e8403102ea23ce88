using System.Diagnostics;
using System.Net;
using System.Text;

namespace Proxy.Tests.Integration.Support;

/// <summary>A proxy node as a separate OS process (the built Proxy.Node.dll), for exit codes, signals and RSS.</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();
    private readonly string? _configPath;

    private NodeProcess(Process process, string? configPath)
    {
        _process = process;
        _configPath = configPath;
        process.ErrorDataReceived += (_, e) => { lock (_stderr) _stderr.AppendLine(e.Data); };
        process.OutputDataReceived += (_, e) => { lock (_stdout) _stdout.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public int Pid => _process.Id;
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>The node's own build output (its deps.json differs from the test project's).</summary>
    private static string NodeDll
    {
        get
        {
            // .../Proxy.Tests/bin/{Configuration}/net10.0/ → .../Proxy.Node/bin/{Configuration}/net10.0/Proxy.Node.dll
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var configuration = testBin.Parent!.Name;
            var root = testBin.Parent.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(root, "Proxy.Node", "bin", configuration, testBin.Name, "Proxy.Node.dll");
        }
    }

    /// <param name="workingDirectory">Where the node runs; without one the node runs here but keeps its data
    /// (SQLite journal) in a fresh temporary directory.</param>
    public static NodeProcess Start(string config, IDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        var path = Path.Combine(Path.GetTempPath(), $"proxy-test-{Guid.NewGuid():N}.hocon");
        File.WriteAllText(path, config);
        return StartWithArgs(["--config", path], env, path, workingDirectory);
    }

    public static NodeProcess StartWithArgs(string[] args, IDictionary<string, string>? env = null, string? configPath = null,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet", [NodeDll, .. args])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.Environment["PROXY_PORT"] = "0";
        if (workingDirectory is null) info.Environment["PROXY__DATA_DIR"] = TestDataDirectory.Create();
        else info.WorkingDirectory = workingDirectory;
        if (env is not null) foreach (var (k, v) in env) info.Environment[k] = v;
        return new NodeProcess(Process.Start(info)!, configPath);
    }

    /// <summary>Waits until GET /ready on the admin port answers 200.</summary>
    public async Task WaitReadyAsync(int adminPort, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException("node exited: " + Stderr);
            try
            {
                var r = await http.GetAsync($"http://127.0.0.1:{adminPort}/ready");
                if (r.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException("node not ready: " + Stderr);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Resident set size in bytes, from /proc.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return 0;
    }

    public void SendSigterm() => Process.Start("kill", ["-TERM", Pid.ToString()])!.WaitForExit();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        if (_configPath is not null) File.Delete(_configPath);
    }
}
