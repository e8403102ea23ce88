using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Forwarding;

/// <summary>E2: WebSocket (Upgrade) through a reverse route to a real Kestrel WebSocket echo backend.</summary>
public sealed class WebSocketSpec : IAsyncLifetime
{
    private WebApplication _backend = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        var (app, port) = await LoopbackKestrel.StartAsync(web =>
        {
            web.UseWebSockets();
            web.Map("/ws", async (HttpContext ctx) =>
            {
                if (!ctx.WebSockets.IsWebSocketRequest)
                {
                    ctx.Response.StatusCode = 426;
                    await ctx.Response.WriteAsync("websocket only");
                    return;
                }
                using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[64 * 1024];
                await socket.SendAsync("welcome"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                        return;
                    }
                    await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None);
                }
            });
            web.MapGet("/plain", () => "plain answer");
        });
        _port = port;
        _backend = app;
    }

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private static async Task<string> Receive(ClientWebSocket socket)
    {
        var buffer = new byte[512 * 1024];
        var total = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(total), new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token) is var r
                ? new WebSocketReceiveResult(r.Count, r.MessageType, r.EndOfMessage)
                : throw new InvalidOperationException();
            total += result.Count;
        } while (!result.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, total);
    }

    [Fact]
    public async Task WebSocketFrames_FlowBothWays_ThroughAReverseRoute_AndTheCloseHandshakeCompletes()
    {
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(_port));
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{node.Public().Port}/ws"), CancellationToken.None);
        Assert.Equal("welcome", await Receive(socket));

        foreach (var message in new[] { "hello", new string('z', 200_000), "last" })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
            Assert.Equal(message, await Receive(socket));
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketState.Closed, socket.State);
        Assert.Equal("bye", socket.CloseStatusDescription);

        // The node keeps serving plain HTTP on other connections.
        using var http = new HttpClient();
        Assert.Equal("plain answer", await http.GetStringAsync($"http://127.0.0.1:{node.Public().Port}/plain"));
    }

    /// <summary>RFC 9110 §7.8: a server that ignores Upgrade answers in HTTP/1.1 and the connection goes on as HTTP/1.1;
    /// the decoder held what followed the head until the exchange knew, so a request sent right behind it is served.</summary>
    [Fact]
    public async Task ARefusedUpgrade_IsRelayedAsANormalResponse_AndTheConnectionGoesOnAsHttp()
    {
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(_port));
        using var client = new RawClient(node.Public());
        client.Send("GET /plain HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" +
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n" +
                    "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n" +
                    "GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var responses = await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, responses.Split("HTTP/1.1 200 OK").Length - 1);
        Assert.Equal(3, responses.Split("plain answer").Length - 1);
        Assert.Equal(1, responses.Split("Connection: close").Length - 1); // only the last asked for it
    }

    [Fact]
    public async Task AnUpgradeToAnUnknownRoute_IsAnswered404_AndTheConnectionGoesOn()
    {
        await using var node = await TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{_port}}" ] } }
            routes = [ { name = ws, pool = main, match { path-prefix = "/ws" } } ]
            """);
        using var client = new RawClient(node.Public());
        client.Send("GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n" +
                    "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n");
        var responses = await client.ReadResponsesAsync(2, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 404", responses);
        Assert.Contains("HTTP/1.1 426", responses); // the second request reached the backend as plain HTTP
    }
}
