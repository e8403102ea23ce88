using System.Net;
using System.Text.Json;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>Issue 21, point 4: node log lines have one format — Microsoft.Extensions.Logging's, Akka's events included
/// (no second timestamp or level) — and <c>log-format = json</c> makes every stderr line, from start to exit, one JSON
/// object; stdout carries only the access log, even while the node stops.</summary>
public sealed class LogFormatSpec
{
    private static string Config(int port, int admin, int backend, string extra) => $$"""
        proxy {
          listeners = [ { name = public, address = "127.0.0.1:{{port}}" } ]
          admin { address = "127.0.0.1:{{admin}}" }
          access-log { enabled = on }
          shutdown { drain-delay = 0s }
          pools { main { backends = [ "127.0.0.1:{{backend}}" ] } }
          routes = [ { name = default, pool = main } ]
          {{extra}}
        }
        """;

    private static async Task<NodeProcess> RunAndStop(string extra)
    {
        await using var backend = new RawBackend();
        var (port, admin) = (PortFinder.Free(), PortFinder.Free());
        var node = NodeProcess.Start(Config(port, admin, backend.Port, extra));
        await node.WaitReadyAsync(admin, TimeSpan.FromSeconds(60));
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/logged")).StatusCode);
        node.SendSigterm();
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        return node;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task Json_EveryStderrLineIsOneObject_FromStartToExit_AndStdoutIsOnlyTheAccessLog()
    {
        await using var node = await RunAndStop("log-format = json");
        var lines = Lines(node.Stderr);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line); // throws on a plain-text line
            var root = json.RootElement;
            Assert.True(root.TryGetProperty("Timestamp", out _), line);
            Assert.True(root.TryGetProperty("LogLevel", out _), line);
            Assert.True(root.TryGetProperty("Category", out _), line);
            Assert.True(root.TryGetProperty("Message", out _), line);
        }
        Assert.Contains(lines, l => l.Contains("Akka.Cluster") && l.Contains("\"Information\""));
        foreach (var line in Lines(node.Stdout))
            Assert.True(JsonDocument.Parse(line).RootElement.TryGetProperty("status", out _), $"not an access-log line: {line}");
        Assert.Contains(Lines(node.Stdout), l => l.Contains("/logged"));
    }

    [Fact]
    public async Task Text_AkkaLines_CarryOneTimestampAndOneLevel()
    {
        await using var node = await RunAndStop("");
        var lines = Lines(node.Stderr);
        Assert.Contains(lines, l => l.Contains("info: Akka.Cluster"));
        Assert.DoesNotContain(lines, l => l.Contains("[INFO][") || l.Contains("[WARNING][") || l.Contains("[DEBUG]["));
        Assert.DoesNotContain(Lines(node.Stdout), l => !l.StartsWith('{'));
    }
}
