using System.Net;
using System.Net.Sockets;
using System.Text;
using Proxy.Node.Demo;
using Xunit;

namespace Proxy.Tests.Integration.Demo;

/// <summary>Issue 21, point 2: the demo backend answers each request in one send with NoDelay, so a keep-alive client
/// gets the whole response at once (two sends met Nagle's algorithm and delayed ACKs: ~40 ms per response).</summary>
public sealed class DemoBackendSpec
{
    [Fact]
    public async Task EachKeepAliveResponse_ArrivesWhole_InOneRead_WithADateHeader()
    {
        using var demo = DemoBackend.Start(new IPEndPoint(IPAddress.Loopback, 0), "demo-spec");
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(demo.EndPoint);
        var buffer = new byte[4096];
        for (var i = 0; i < 20; i++)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /r{i} HTTP/1.1\r\nHost: demo\r\n\r\n"), SocketFlags.None);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            var text = Encoding.UTF8.GetString(buffer, 0, n);
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", text);
            Assert.Contains("\r\nDate: ", text);
            Assert.EndsWith($"\r\n\r\nHello from demo-spec: GET /r{i}\n", text); // head and body in the first read
        }
    }

    [Fact]
    public async Task Healthz_AndHead_AndConnectionClose()
    {
        using var demo = DemoBackend.Start(new IPEndPoint(IPAddress.Loopback, 0), "demo-spec");
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(demo.EndPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes("HEAD /healthz HTTP/1.1\r\nHost: demo\r\n\r\nGET /healthz HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n"), SocketFlags.None);
        var all = new MemoryStream();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0) all.Write(buffer, 0, n);
        var text = Encoding.UTF8.GetString(all.ToArray());
        var second = text.IndexOf("HTTP/1.1 200", 1, StringComparison.Ordinal);
        Assert.True(second > 0, text);
        Assert.DoesNotContain("ok\n", text[..second]); // HEAD: no body
        Assert.Contains("Content-Length: 3\r\n", text[..second]);
        Assert.Contains("Connection: close\r\n", text[second..]);
        Assert.EndsWith("\r\n\r\nok\n", text);
    }
}
