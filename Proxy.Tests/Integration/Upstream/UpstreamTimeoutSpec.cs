using System.Net.Sockets;
using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Upstream;

/// <summary>
/// D5: timeouts blame the side that stalls. A backend that stops reading the request body fails the request
/// after <c>timeouts.send</c>; the backend's read timeout counts only time spent waiting for the backend, and a
/// client that stops reading is cut off after <c>timeouts.client-send</c>, logged as the client's fault.
/// </summary>
public sealed class UpstreamTimeoutSpec : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _accessLog = Path.Combine(Path.GetTempPath(), $"timeouts-access-{Guid.NewGuid():N}.log");

    public void Dispose() => File.Delete(_accessLog);

    private Task<ProxyNode> StartNode(int port, string poolTimeouts, string? clientSend = null) => TestNode.StartAsync($$"""
        pools {
          main {
            backends = [ "127.0.0.1:{{port}}" ]
            timeouts { connect = 1s, {{poolTimeouts}} }
            retries { attempts = 0 }
          }
        }
        routes = [ { name = default, pool = main } ]
        {{(clientSend is null ? "" : $"timeouts {{ client-send = {clientSend} }}")}}
        access-log { enabled = on, target = "{{_accessLog}}" }
        """);

    [Fact]
    public async Task ABackendThatNeverReadsTheBody_FailsTheRequestWith504AfterTheSendTimeout()
    {
        // Reads the head of a POST, then neither reads the body nor answers; a GET is answered.
        await using var backend = new ScriptedBackend(async connection =>
        {
            var request = await connection.ReadHeadOnlyAsync();
            if (request is null) return;
            if (request.RequestLine.StartsWith("POST", StringComparison.Ordinal))
            {
                await connection.DelayAsync(60_000);
                return;
            }
            await connection.WriteAsync(RawBackend.Ok("fine"));
            await connection.DrainUntilClosedAsync();
        });
        await using var node = await StartNode(backend.Port, "response = 3s, send = 1s");
        const int size = 8 * 1024 * 1024;

        using var client = new RawClient(node.Public());
        var sending = Task.Run(() =>
        {
            try
            {
                client.Send($"POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: {size}\r\n\r\n");
                var chunk = new byte[64 * 1024];
                for (var sent = 0; sent < size; sent += chunk.Length) client.Send(chunk);
            }
            catch (SocketException)
            {
                // The proxy answered and closed the connection before the body was through.
            }
        });
        var response = await client.ReadUntilClosedAsync(Wait, requireClose: true);

        Assert.StartsWith("HTTP/1.1 504", response);
        Assert.Contains("upstream did not take the request in time", response);
        Assert.Contains("Connection: close", response);
        await sending;
        using var again = new RawClient(node.Public());
        again.Send("GET /ok HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        Assert.EndsWith("fine", await again.ReadUntilClosedAsync(Wait));
    }

    private const int BigBody = 16 * 1024 * 1024;

    /// <summary>Answers with a 16 MB body, written as fast as the proxy takes it.</summary>
    private static ScriptedBackend BigAnswer() => new(async connection =>
    {
        if (await connection.ReadRequestAsync() is null) return;
        await connection.WriteAsync($"HTTP/1.1 200 OK\r\nContent-Length: {BigBody}\r\n\r\n");
        var chunk = new byte[256 * 1024];
        Array.Fill(chunk, (byte)'z');
        for (var sent = 0; sent < BigBody; sent += chunk.Length) await connection.WriteAsync(chunk);
        await connection.DrainUntilClosedAsync();
    });

    [Fact]
    public async Task AClientSlowerThanTheBackendsReadTimeout_StillGetsTheWholeBody()
    {
        await using var backend = BigAnswer();
        await using var node = await StartNode(backend.Port, "response = 1s");
        using var client = new RawClient(node.Public());
        client.Send("GET /big HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");

        // The client takes nothing for 2.5 s, more than twice the backend's read timeout.
        await Task.Delay(2500);
        var received = await client.CountUntilClosedAsync(Wait);

        Assert.True(received > BigBody, $"received {received} bytes, expected the {BigBody}-byte body and its head");
    }

    [Fact]
    public async Task AClientThatStopsReading_IsCutOffAfterTheClientSendTimeout_AndLoggedAsTheClientsFault()
    {
        await using var backend = BigAnswer();
        await using var node = await StartNode(backend.Port, "response = 30s", clientSend: "1s");
        using var client = new RawClient(node.Public());
        client.Send("GET /big HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");

        await Task.Delay(3000);
        var received = await client.CountUntilClosedAsync(Wait);

        Assert.True(received < BigBody, $"received {received} bytes: the connection was not cut");
        await Eventually.Holds(() => File.Exists(_accessLog) && File.ReadAllText(_accessLog).Contains("client did not read the response in time"),
            Wait, "the access log blames the client");
        Assert.DoesNotContain("upstream response body timed out", File.ReadAllText(_accessLog));
    }
}
