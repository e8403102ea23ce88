using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Proxy.Actors.Tls;

/// <summary>Thrown inside a TLS listener's handshake when the first bytes are not a TLS record (an HTTP request, or
/// anything else).</summary>
internal sealed class NotTlsException(ClientHelloKind kind) : Exception($"not a TLS client hello: {kind}")
{
    public ClientHelloKind Kind { get; } = kind;
}

/// <summary>
/// The answer to plain HTTP on a TLS port (nginx: "The plain HTTP request was sent to HTTPS port"): a 400 with a short
/// body, then a lingering close — our side of the connection is shut down and what the client still sends is read
/// and dropped for a moment, so the kernel does not reset the connection before the client has read the answer.
/// </summary>
internal static class PlainHttpAnswer
{
    private const string Body = "This port expects TLS: send the request with https://\n";
    private const int DrainLimit = 64 * 1024;
    private static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(2);

    public static async Task SendAsync(Socket socket)
    {
        try
        {
            var head = "HTTP/1.1 400 Bad Request\r\n"
                + $"Date: {DateTime.UtcNow.ToString("r", CultureInfo.InvariantCulture)}\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + $"Content-Length: {Body.Length}\r\n"
                + "Connection: close\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(head + Body), SocketFlags.None).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
            using var cts = new CancellationTokenSource(DrainTime);
            var sink = new byte[4096];
            var drained = 0;
            while (drained < DrainLimit)
            {
                var n = await socket.ReceiveAsync(sink, SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (n <= 0) break;
                drained += n;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or kept sending: close anyway.
        }
    }
}
