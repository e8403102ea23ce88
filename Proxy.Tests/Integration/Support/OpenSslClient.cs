using System.Diagnostics;

namespace Proxy.Tests.Integration.Support;

/// <summary><c>openssl s_client</c> (Debian's openssl, ensured by scripts/test.sh) against a loopback port.</summary>
public static class OpenSslClient
{
    /// <summary>Runs s_client with stdin closed (handshake, then quit); stdout and stderr together.</summary>
    public static Task<string> RunAsync(int port, string serverName, params string[] extra) => RunAsync(port, serverName, null, extra);

    /// <summary>Runs s_client, writes <paramref name="input"/> (if any) to it, then closes its stdin.</summary>
    public static async Task<string> RunAsync(int port, string serverName, string? input, params string[] extra)
    {
        var info = new ProcessStartInfo("openssl", ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", serverName, .. extra])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        if (input is not null) await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        return await stdout + await stderr;
    }
}
