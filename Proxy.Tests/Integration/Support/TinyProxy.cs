using System.Diagnostics;
using System.Net.Sockets;

namespace Proxy.Tests.Integration.Support;

/// <summary>
/// A real tinyproxy (apt package, installed by scripts/test.sh) on 127.0.0.1 with Basic credentials, as the
/// upstream proxy our forward listener chains to. Runs in the foreground (-d) in its own temp directory.
/// </summary>
public sealed class TinyProxy : IAsyncDisposable
{
    public const string User = "alice";
    public const string Password = "s3cret-Pa55";

    private readonly Process _process;
    private readonly string _dir;

    private TinyProxy(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }
    public string Address => $"127.0.0.1:{Port}";
    /// <summary>The X-Proxy-To value with the right credentials.</summary>
    public string WithCredentials => $"http://{User}:{Password}@{Address}";

    public static async Task<TinyProxy> StartAsync()
    {
        var binary = new[] { "/usr/bin/tinyproxy", "/usr/sbin/tinyproxy" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("tinyproxy is not installed: scripts/test.sh installs it (apt-get install tinyproxy)");
        var dir = Path.Combine(Path.GetTempPath(), $"tinyproxy-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        for (var attempt = 0; ; attempt++)
        {
            var port = PortFinder.Free();
            var config = Path.Combine(dir, "tinyproxy.conf");
            await File.WriteAllTextAsync(config, $"""
                Port {port}
                Listen 127.0.0.1
                Timeout 30
                MaxClients 200
                Allow 127.0.0.1
                BasicAuth {User} {Password}
                LogLevel Info
                """);
            var info = new ProcessStartInfo(binary, ["-d", "-c", config])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
                WorkingDirectory = dir,
            };
            var process = Process.Start(info)!;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync("127.0.0.1", port);
                    return new TinyProxy(process, dir, port);
                }
                catch (SocketException)
                {
                    await Task.Delay(50);
                }
            }
            if (!process.HasExited) process.Kill();
            // The free port can be taken between choosing and binding it: try another a few times.
            if (attempt == 3) throw new InvalidOperationException("tinyproxy did not start listening");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
