using System.Net;
using System.Net.Sockets;

namespace Proxy.Tests.Integration.Support;

/// <summary>
/// A TCP echo server on 127.0.0.1: sends back every byte; when the client half-closes it sends
/// <see cref="Farewell"/> and closes, so tests can see that a half-close travelled through a tunnel.
/// </summary>
public sealed class TcpEchoServer : IAsyncDisposable
{
    public const string Farewell = "bye\n";

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    public TcpEchoServer()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        _ = AcceptLoop();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _ = Echo(client);
        }
    }

    private async Task Echo(Socket client)
    {
        using var owned = client;
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var n = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0) break;
                await client.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
            await client.SendAsync("bye\n"u8.ToArray(), SocketFlags.None, _stop.Token);
            client.Shutdown(SocketShutdown.Both);
        }
        catch (Exception)
        {
            // Reset or stopping.
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}
