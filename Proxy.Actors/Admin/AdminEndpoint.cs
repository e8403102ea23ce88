using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Proxy.Shared.Http;

namespace Proxy.Actors.Admin;

/// <summary>
/// The admin listener (O2) on its own port: <c>GET /health</c> (200 while serving) and <c>GET /ready</c> (200
/// once listeners are bound and this node is an Up cluster member). Low traffic, so a plain async accept loop
/// with the data plane's strict request parser; every response closes the connection.
/// </summary>
public sealed class AdminEndpoint : ReceiveActor
{
    private readonly Socket _listenSocket;
    private readonly NodeReadiness _readiness;
    private readonly CancellationTokenSource _stop = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public AdminEndpoint(Socket listenSocket, NodeReadiness readiness)
    {
        _listenSocket = listenSocket;
        _readiness = readiness;
    }

    public static Props Props(Socket listenSocket, NodeReadiness readiness) =>
        Akka.Actor.Props.Create(() => new AdminEndpoint(listenSocket, readiness));

    protected override void PreStart()
    {
        _log.Info("Admin endpoint on {0}", _listenSocket.LocalEndPoint);
        _ = AcceptLoop();
    }

    protected override void PostStop()
    {
        _stop.Cancel();
        _listenSocket.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listenSocket.AcceptAsync(_stop.Token).ConfigureAwait(false);
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
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var buffer = new byte[8192];
        var filled = 0;
        try
        {
            while (true)
            {
                var n = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (n == 0) return;
                filled += n;
                var status = Http1RequestParser.TryParse(buffer.AsSpan(0, filled),
                    new HttpLimits { MaxHeadBytes = buffer.Length }, out var head, out _, out var error);
                if (status == ParseStatus.Incomplete) continue;
                var (code, body) = status == ParseStatus.Invalid ? (error.Status, error.Reason) : Answer(head!);
                var bytes = Encoding.UTF8.GetBytes(body + "\n");
                var response = $"HTTP/1.1 {code} {HttpStatusText.Get(code)}\r\nContent-Type: text/plain; charset=utf-8\r\n" +
                               $"Content-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                await client.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (head?.Method != "HEAD") await client.SendAsync(bytes, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                client.Shutdown(SocketShutdown.Both);
                return;
            }
        }
        catch (Exception)
        {
            // Slow or broken admin client: the connection is closed by the using.
        }
    }

    private (int, string) Answer(HttpRequestHead head)
    {
        if (head.Method is not ("GET" or "HEAD")) return (405, "method not allowed");
        return head.Path switch
        {
            "/health" => _readiness.Healthy ? (200, "ok") : (503, "stopping"),
            "/ready" => _readiness.Ready ? (200, "ready") : (503, "not ready"),
            _ => (404, "not found"),
        };
    }
}
