using System.Text.Json;
using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>Issue 21, point 6: one access-log line for every response the node sends — also the 400 for a head the
/// parser refuses and the 408 for a head that did not arrive in time, with what is known (client, status, bytes, the
/// reason as error; method, host and path null).</summary>
public sealed class AccessLogCompletenessSpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("proxy-access-all-").FullName;
    private string Log => Path.Combine(_dir, "access.log");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<ProxyNode> StartNode(int backendPort) => TestNode.StartAsync(TestNode.PoolFor(backendPort) + $$"""

        access-log { enabled = on, target = "{{Log}}" }
        timeouts { request-head = 500ms }
        """);

    private async Task<JsonElement> LineWithStatus(int status)
    {
        JsonElement found = default;
        await Eventually.Holds(() =>
        {
            if (!File.Exists(Log)) return false;
            using var stream = new FileStream(Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            foreach (var line in new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var entry = JsonDocument.Parse(line).RootElement.Clone();
                if (entry.GetProperty("status").GetInt32() != status) continue;
                found = entry;
                return true;
            }
            return false;
        }, TimeSpan.FromSeconds(5), $"an access-log line with status {status}");
        return found;
    }

    [Fact]
    public async Task AHeadTheParserRefuses_GetsItsLine()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("ok"));
        await using var node = await StartNode(backend.Port);
        using (var client = new RawClient(node.Public()))
        {
            client.Send("GET / HTTP/1.1\r\nHost: a\r\nBad Header Name: x\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 400", await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(5)));
        }
        var line = await LineWithStatus(400);
        Assert.Equal(JsonValueKind.Null, line.GetProperty("method").ValueKind);
        Assert.Equal(JsonValueKind.Null, line.GetProperty("path").ValueKind);
        Assert.Equal("127.0.0.1", line.GetProperty("client").GetString());
        Assert.True(line.GetProperty("bytesOut").GetInt64() > 0);
        Assert.False(string.IsNullOrEmpty(line.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task AHeadThatDoesNotArriveInTime_GetsItsLine()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("ok"));
        await using var node = await StartNode(backend.Port);
        using (var client = new RawClient(node.Public()))
        {
            client.Send("GET / HTTP/1.1\r\nHost: a\r\n"); // the head never ends
            Assert.StartsWith("HTTP/1.1 408", await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(5)));
        }
        var line = await LineWithStatus(408);
        Assert.Equal("request head not received in time", line.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AConnectionClosedBeforeAnyRequest_IsLoggedAtDebug()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("ok"));
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port) + "\nlog-level = debug");
        var log = NodeDebugLog.Attach(node, "Connection from ");
        using (new RawClient(node.Public()))
        {
            // connect, send nothing, close
        }
        await log.Contains("Connection from 127.0.0.1 closed before any request");
    }
}
