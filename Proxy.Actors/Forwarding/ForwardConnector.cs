using System.Net;
using System.Net.Sockets;
using Proxy.Actors.Pools;
using Proxy.Shared.Forwarding;

namespace Proxy.Actors.Forwarding;

/// <summary>
/// Opens a connection for a forward listener: resolves the name, checks every address against the guard
/// (X3: resolved addresses, not only names), then connects to the checked addresses only, within the timeout.
/// </summary>
public static class ForwardConnector
{
    public static async Task<UpstreamConnection> ConnectAsync(Backend backend, AddressGuard guard, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var host = backend.Settings.Host;
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new UpstreamConnectTimeoutException();
        }
        catch (SocketException e)
        {
            throw new ForwardResolveException(host, e.SocketErrorCode);
        }
        if (addresses.Length == 0) throw new ForwardResolveException(host, SocketError.HostNotFound);
        if (!guard.Allows(host, addresses, out var reason)) throw new ForwardDeniedException(reason);

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, backend.Settings.Port, cts.Token).ConfigureAwait(false);
            return new UpstreamConnection(socket, backend);
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

/// <summary>The guard refused every way to the host; the message is safe to show the client.</summary>
public sealed class ForwardDeniedException(string reason) : Exception(reason);

/// <summary>The host name did not resolve.</summary>
public sealed class ForwardResolveException(string host, SocketError error) : Exception($"cannot resolve {host} ({error})");
