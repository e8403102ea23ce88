using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Proxy.Actors.Transport;
using Proxy.Shared.Http;

namespace Proxy.Node.Demo;

/// <summary>
/// A tiny HTTP/1.1 backend a newcomer's proxy can forward to (<c>proxy.demo-backend</c>, or standalone as
/// <c>Proxy.Node demo-backend</c> for local clusters): answers every request with 200 and a short text naming
/// itself and the path (<c>/healthz</c>: <c>ok</c>), keep-alive, bodies read and discarded. Not for production.
/// </summary>
public sealed class DemoBackend : IDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _name;

    private DemoBackend(Socket listener, string name)
    {
        _listener = listener;
        _name = name;
        _ = AcceptLoop();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public static DemoBackend Start(IPEndPoint endpoint, string name = "the demo backend") =>
        new(SocketAcceptLoop.Bind(endpoint, 512), name);

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                return;
            }
            _ = Serve(client);
        }
    }

    private async Task Serve(Socket client)
    {
        using var owned = client;
        client.NoDelay = true;
        var buffer = new byte[16 * 1024];
        var filled = 0;
        try
        {
            while (true)
            {
                var status = Http1RequestParser.TryParse(buffer.AsSpan(0, filled), HttpLimits.Default, out var head,
                    out var consumed, out _);
                if (status == ParseStatus.Invalid) return;
                if (status == ParseStatus.Incomplete)
                {
                    if (filled == buffer.Length) return;
                    var n = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    if (n == 0) return;
                    filled += n;
                    continue;
                }
                filled -= consumed;
                Buffer.BlockCopy(buffer, consumed, buffer, 0, filled);
                if (head!.Chunked) return; // The demo keeps it simple: chunked uploads end the connection.
                var toSkip = Math.Max(0, head.ContentLength);
                while (toSkip > 0)
                {
                    if (filled == 0)
                    {
                        var n = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                        if (n == 0) return;
                        filled = n;
                    }
                    var skip = (int)Math.Min(toSkip, filled);
                    toSkip -= skip;
                    filled -= skip;
                    Buffer.BlockCopy(buffer, skip, buffer, 0, filled);
                }
                var body = head.Path == "/healthz" ? "ok\n" : $"Hello from {_name}: {head.Method} {head.Path}\n";
                // One send per response, and NoDelay: a head and a body in two sends met Nagle's algorithm and the
                // client's delayed ACK, so every keep-alive response waited ~40 ms for its body.
                var response = Encoding.UTF8.GetBytes(
                    $"HTTP/1.1 200 OK\r\nDate: {DateTime.UtcNow.ToString("r", CultureInfo.InvariantCulture)}\r\n" +
                    $"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n" +
                    (head.KeepAlive ? "" : "Connection: close\r\n") + "\r\n" + (head.Method == "HEAD" ? "" : body));
                await client.SendAsync(response, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (!head.KeepAlive) return;
            }
        }
        catch (Exception)
        {
            // Client gone or stopping.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
    }
}
