using System.Net.Sockets;
using System.Text;
using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Forwarding;

/// <summary>E3: L4 routes splicing raw TCP to a pool's backends (real TCP echo servers).</summary>
public sealed class TcpRouteSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static Task<ProxyNode> StartNode(string backends, string routeExtra = "", string poolExtra = "") => TestNode.StartAsync($$"""
        pools {
          echo { policy = round-robin, backends = [ {{backends}} ], timeouts { connect = 1s }, retries { attempts = 1 } {{poolExtra}} }
        }
        routes = [ { name = default, pool = echo } ]
        tcp-routes = [ { name = echo, listen = "127.0.0.1:0", pool = echo {{routeExtra}} } ]
        """);

    private static async Task<Socket> Connect(ProxyNode node)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(node.Listeners["tcp:echo"]);
        return socket;
    }

    private static async Task<string> Read(Socket socket, int atLeast)
    {
        using var cts = new CancellationTokenSource(Wait);
        var text = new StringBuilder();
        var buffer = new byte[65536];
        while (text.Length < atLeast)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    private static async Task<string> ReadToEnd(Socket socket) => await Read(socket, int.MaxValue);

    [Fact]
    public async Task BytesAreSplicedBothWays_AndHalfCloseTravels()
    {
        await using var echo = new TcpEchoServer();
        await using var node = await StartNode($"\"127.0.0.1:{echo.Port}\"");
        using var socket = await Connect(node);
        var payload = new string('q', 250_000);
        var reading = Read(socket, payload.Length);
        await socket.SendAsync(Encoding.ASCII.GetBytes(payload), SocketFlags.None);
        Assert.Equal(payload, await reading);
        socket.Shutdown(SocketShutdown.Send);
        Assert.Equal(TcpEchoServer.Farewell, await ReadToEnd(socket));
    }

    [Fact]
    public async Task ConnectionsAreBalancedOverThePool_AndADeadBackendIsSkipped()
    {
        await using var a = new TcpEchoServer();
        await using var b = new TcpEchoServer();
        var dead = PortFinder.Free();
        await using var node = await StartNode($"\"127.0.0.1:{a.Port}\", \"127.0.0.1:{b.Port}\", \"127.0.0.1:{dead}\"");
        for (var i = 0; i < 6; i++)
        {
            using var socket = await Connect(node);
            await socket.SendAsync("hi\n"u8.ToArray(), SocketFlags.None);
            Assert.Equal("hi\n", await Read(socket, 3));
        }
        Assert.True(a.Connections >= 2 && b.Connections >= 2, $"a {a.Connections}, b {b.Connections}");
        Assert.Equal(6, a.Connections + b.Connections);
    }

    [Fact]
    public async Task ADrainedBackend_GetsNoNewConnections()
    {
        await using var a = new TcpEchoServer();
        await using var b = new TcpEchoServer();
        await using var node = await StartNode($"\"127.0.0.1:{a.Port}\", \"127.0.0.1:{b.Port}\"");
        var region = Akka.Cluster.Sharding.ClusterSharding.Get(node.System).ShardRegion(Proxy.Actors.Pools.BackendPoolMessageExtractor.RegionName);
        await Akka.Actor.Futures.Ask<Proxy.Shared.Pools.AdminChangeResult>(region,
            new Proxy.Shared.Pools.DrainBackend("echo", $"127.0.0.1:{b.Port}"), TimeSpan.FromSeconds(10));
        await Eventually.Holds(() => !node.Runtime.Current.Pools["echo"].Backends.Single(x => x.Address == $"127.0.0.1:{b.Port}").Available,
            TimeSpan.FromSeconds(5), "the node applies the drain");
        for (var i = 0; i < 4; i++)
        {
            using var socket = await Connect(node);
            await socket.SendAsync("x"u8.ToArray(), SocketFlags.None);
            Assert.Equal("x", await Read(socket, 1));
        }
        Assert.Equal(4, a.Connections);
        Assert.Equal(0, b.Connections);
    }

    [Fact]
    public async Task NoReachableBackend_ClosesTheClient_AndAnIdleSpliceIsClosed()
    {
        await using (var node = await StartNode($"\"127.0.0.1:{PortFinder.Free()}\""))
        {
            using var socket = await Connect(node);
            Assert.Equal("", await ReadToEnd(socket));
        }
        await using var echo = new TcpEchoServer();
        await using var idle = await StartNode($"\"127.0.0.1:{echo.Port}\"", routeExtra: ", idle-timeout = 1s");
        using var quiet = await Connect(idle);
        await quiet.SendAsync("a"u8.ToArray(), SocketFlags.None);
        Assert.Equal("a", await Read(quiet, 1));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("", await ReadToEnd(quiet));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));
    }
}
