using System.Net.Security;
using System.Net.Sockets;

namespace Proxy.Actors.Pools;

/// <summary>Opens a new connection to a backend within the pool's connect timeout.</summary>
public static class UpstreamConnector
{
    public static async Task<UpstreamConnection> ConnectAsync(Backend backend, TimeSpan timeout)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(backend.EndPoint, cts.Token).ConfigureAwait(false);
            if (backend.Tls is not { } tls) return new UpstreamConnection(socket, backend);
            // https:// backend: the handshake counts against the same connect timeout.
            var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: true);
            try
            {
                await ssl.AuthenticateAsClientAsync(tls.ClientOptions(backend.Settings.Host), cts.Token).ConfigureAwait(false);
            }
            catch
            {
                ssl.Dispose();
                throw;
            }
            return new UpstreamConnection(socket, backend, ssl);
        }
        catch (OperationCanceledException)
        {
            socket.Dispose();
            throw new UpstreamConnectTimeoutException();
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>The backend did not accept the connection within the connect timeout.</summary>
public sealed class UpstreamConnectTimeoutException() : Exception("upstream connect timed out");
