using System.Net;
using System.Net.Sockets;
using System.Text;
using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Forwarding;

/// <summary>X2: CONNECT tunnels, direct to a TCP echo server and chained through a real tinyproxy.</summary>
public sealed class TunnelSpec(ForwardPeers peers) : IClassFixture<ForwardPeers>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private const string Loopback = """allow-targets = [ "127.0.0.0/8" ], allow-upstreams = [ "127.0.0.0/8" ]""";

    private static Task<ProxyNode> StartNode(string guard = Loopback, string extra = "") => TestNode.StartAsync(
        TestNode.PoolFor(1) + "\n" + $$"""
            forward { timeouts { connect = 1s, response = 2s } }
            {{extra}}
            """,
        $", mode = forward, {guard}");

    private static async Task<Socket> Connect(ProxyNode node)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(node.Public());
        return socket;
    }

    private static Task Send(Socket socket, string text) => socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None);

    /// <summary>Reads until <paramref name="expected"/> has arrived (or EOF / timeout); returns all read.</summary>
    private static async Task<string> ReadUntil(Socket socket, string expected)
    {
        using var cts = new CancellationTokenSource(Wait);
        var text = new StringBuilder();
        var buffer = new byte[8192];
        while (!text.ToString().Contains(expected))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    private static async Task<string> ReadToEnd(Socket socket)
    {
        using var cts = new CancellationTokenSource(Wait);
        var text = new StringBuilder();
        var buffer = new byte[8192];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0) return text.ToString();
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
    }

    [Fact]
    public async Task DirectConnect_SplicesBothWays_AndPassesTheClientsHalfCloseOn()
    {
        await using var echo = new TcpEchoServer();
        await using var node = await StartNode();
        using var socket = await Connect(node);
        await Send(socket, $"CONNECT 127.0.0.1:{echo.Port} HTTP/1.1\r\nHost: 127.0.0.1:{echo.Port}\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", await ReadUntil(socket, "\r\n\r\n"));

        await Send(socket, "ping 1\n");
        Assert.Equal("ping 1\n", await ReadUntil(socket, "ping 1\n"));
        var big = new string('x', 300_000);
        var reading = ReadUntil(socket, big);
        await Send(socket, big);
        Assert.Equal(big.Length, (await reading).Length);

        // Half-close: our FIN reaches the echo server, which answers and closes; we still receive that.
        socket.Shutdown(SocketShutdown.Send);
        Assert.Equal(TcpEchoServer.Farewell, await ReadToEnd(socket));
    }

    [Fact]
    public async Task ChainedConnect_ThroughTinyproxyWithCredentials_CarriesAnHttpExchange()
    {
        await using var node = await StartNode();
        using var socket = await Connect(node);
        var origin = $"127.0.0.1:{peers.Origin.Port}";
        await Send(socket, $"CONNECT {origin} HTTP/1.1\r\nHost: {origin}\r\nX-Proxy-To: {peers.TinyProxy.WithCredentials}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 Connection Established", await ReadUntil(socket, "\r\n\r\n"));
        await Send(socket, $"GET /through-the-tunnel HTTP/1.1\r\nHost: {origin}\r\nConnection: close\r\n\r\n");
        var response = await ReadToEnd(socket);
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains("GET /through-the-tunnel", response);
    }

    [Fact]
    public async Task ChainedConnect_WithWrongCredentials_Is502_WithoutThePassword()
    {
        await using var node = await StartNode();
        using var socket = await Connect(node);
        var origin = $"127.0.0.1:{peers.Origin.Port}";
        await Send(socket, $"CONNECT {origin} HTTP/1.1\r\nHost: {origin}\r\nX-Proxy-To: http://{TinyProxy.User}:wrong-Pa55@{peers.TinyProxy.Address}\r\n\r\n");
        var response = await ReadToEnd(socket);
        Assert.StartsWith("HTTP/1.1 502", response);
        Assert.Contains($"upstream proxy {TinyProxy.User}:***@{peers.TinyProxy.Address} refused the credentials", response);
        Assert.DoesNotContain("wrong-Pa55", response);
    }

    [Theory]
    [InlineData("", "127.0.0.1", 403, "target not allowed: 127.0.0.1 is a loopback")]
    [InlineData(Loopback, "127.0.0.1", 502, "is unreachable")]
    [InlineData(Loopback, "127.0.0.1|X-Proxy-To: https://p:1", 400, "invalid X-Proxy-To header")]
    [InlineData(Loopback, "127.0.0.1|X-Proxy-To: a:1|X-Proxy-To: b:2", 400, "more than one X-Proxy-To header")]
    public async Task RefusedTunnels_GetAClearAnswer_AndTheConnectionCloses(string guard, string hostAndHeaders, int status, string reason)
    {
        await using var node = await StartNode(guard);
        using var socket = await Connect(node);
        var parts = hostAndHeaders.Split('|');
        var closed = PortFinder.Free();
        var headers = string.Concat(parts.Skip(1).Select(h => h + "\r\n"));
        await Send(socket, $"CONNECT {parts[0]}:{closed} HTTP/1.1\r\nHost: {parts[0]}:{closed}\r\n{headers}\r\n");
        var response = await ReadToEnd(socket);
        Assert.StartsWith($"HTTP/1.1 {status}", response);
        Assert.Contains(reason, response);
    }

    [Fact]
    public async Task AnIdleTunnel_IsClosed_AfterTheIdleTimeout()
    {
        await using var echo = new TcpEchoServer();
        await using var node = await StartNode(extra: "timeouts { idle = 1s }");
        using var socket = await Connect(node);
        await Send(socket, $"CONNECT 127.0.0.1:{echo.Port} HTTP/1.1\r\nHost: 127.0.0.1:{echo.Port}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await ReadUntil(socket, "\r\n\r\n"));
        await Send(socket, "still here\n");
        Assert.Equal("still here\n", await ReadUntil(socket, "still here\n"));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("", await ReadToEnd(socket)); // closed by the node, not by us or the echo server
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ReverseListeners_StillRefuseConnect()
    {
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(1));
        using var socket = await Connect(node);
        await Send(socket, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 405", await ReadToEnd(socket));
    }

    [Fact]
    public async Task BytesSentWithTheConnectHead_ReachTheTarget_AndATargetThatClosesFirst_IsHalfClosedToTheClient()
    {
        using var target = new TcpListener(IPAddress.Loopback, 0);
        target.Start();
        var port = ((IPEndPoint)target.LocalEndpoint).Port;
        await using var node = await StartNode();
        using var socket = await Connect(node);
        // The tunnel's first bytes come in the same write as the head (a client that does not wait for the 200).
        await Send(socket, $"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\nhello target\n");
        using var server = await target.AcceptSocketAsync().WaitAsync(Wait);
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\n", await ReadUntil(socket, "\r\n\r\n"));
        Assert.Equal("hello target\n", await ReadUntil(server, "\n"));

        // The target answers and half-closes first: the client reads the answer, then FIN, and may still talk.
        await Send(server, "bye\n");
        server.Shutdown(SocketShutdown.Send);
        Assert.Equal("bye\n", await ReadToEnd(socket));
        await Send(socket, "last words\n");
        Assert.Equal("last words\n", await ReadUntil(server, "\n"));
        // The client's FIN reaches the target too; the tunnel is over.
        socket.Shutdown(SocketShutdown.Send);
        Assert.Equal("", await ReadToEnd(server));
    }

    [Fact]
    public async Task AClientThatVanishesMidTunnel_HasItsTargetConnectionClosed_AndTheNodeKeepsServing()
    {
        using var target = new TcpListener(IPAddress.Loopback, 0);
        target.Start();
        var port = ((IPEndPoint)target.LocalEndpoint).Port;
        await using var node = await StartNode();
        using (var socket = await Connect(node))
        {
            await Send(socket, $"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200", await ReadUntil(socket, "\r\n\r\n"));
            using var server = await target.AcceptSocketAsync().WaitAsync(Wait);
            await Send(socket, "x");
            Assert.Equal("x", await ReadUntil(server, "x"));
            // A reset, not a FIN: the client is simply gone.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
            Assert.Equal("", await ReadToEndOrReset(server));
        }

        await using var echo = new TcpEchoServer();
        using var next = await Connect(node);
        await Send(next, $"CONNECT 127.0.0.1:{echo.Port} HTTP/1.1\r\nHost: 127.0.0.1:{echo.Port}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await ReadUntil(next, "\r\n\r\n"));
        await Send(next, "again\n");
        Assert.Equal("again\n", await ReadUntil(next, "again\n"));
    }

    /// <summary>What arrives until the peer closes; a reset counts as a close.</summary>
    private static async Task<string> ReadToEndOrReset(Socket socket)
    {
        try
        {
            return await ReadToEnd(socket);
        }
        catch (SocketException)
        {
            return "";
        }
    }
}
