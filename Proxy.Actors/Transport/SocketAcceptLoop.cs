using System.Net;
using System.Net.Sockets;

namespace Proxy.Actors.Transport;

/// <summary>
/// Accepts client sockets from a bound listening socket and hands each to <c>onAccepted</c> on the thread its accept
/// completed on, with the given number of accepts outstanding: nginx's workers accept the same way, in their event
/// loop, without a hand-off. It replaces an Akka.Streams accept source whose every socket went through the listener
/// actor's mailbox and waited for its acknowledgement before the next accept (two thread hops per connection, and the
/// listener's one thread bounding how fast connections could start). Closing the listening socket ends the loops.
/// Other accept errors (out of descriptors) are reported and the loop pauses briefly before accepting again, as nginx
/// does, instead of stopping the listener for good.
/// </summary>
public sealed class SocketAcceptLoop
{
    private static readonly TimeSpan PauseAfterError = TimeSpan.FromMilliseconds(100);

    private readonly Socket _listener;
    private readonly Action<Socket> _onAccepted;
    private readonly Action<Exception> _onError;
    private volatile bool _stopped;

    /// <param name="onAccepted">Starts a connection; runs on the accept's completion thread and must not block.</param>
    /// <param name="onError">Told of an accept error the loop survived, or of an exception <paramref name="onAccepted"/> threw.</param>
    public SocketAcceptLoop(Socket listener, Action<Socket> onAccepted, Action<Exception> onError)
    {
        _listener = listener;
        _onAccepted = onAccepted;
        _onError = onError;
    }

    /// <summary>Binds a listening socket (dual-mode for IPv6 any) with SO_REUSEADDR semantics of the platform.</summary>
    public static Socket Bind(IPEndPoint endpoint, int backlog = 4096)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            socket.Bind(endpoint);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts <paramref name="concurrency"/> accepts at once.</summary>
    public void Start(int concurrency)
    {
        for (var i = 0; i < concurrency; i++) _ = RunAsync();
    }

    /// <summary>Stops the loops by closing the listening socket.</summary>
    public void Stop()
    {
        _stopped = true;
        _listener.Dispose();
    }

    private async Task RunAsync()
    {
        while (!_stopped)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue; // the client gave up while queued: next
            }
            catch (Exception e) when (e is ObjectDisposedException || _stopped)
            {
                return;
            }
            catch (Exception e)
            {
                _onError(e);
                await Task.Delay(PauseAfterError).ConfigureAwait(false);
                continue;
            }
            try
            {
                socket.NoDelay = true;
            }
            catch (Exception)
            {
                socket.Dispose(); // reset by the client already
                continue;
            }
            try
            {
                _onAccepted(socket);
            }
            catch (Exception e)
            {
                socket.Dispose();
                _onError(e);
            }
        }
    }
}
