using System.Net.Sockets;
using System.Text;
using Proxy.Actors.Exchange;
using Proxy.Actors.Pools;
using Proxy.Shared.Forwarding;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Forwarding;

/// <summary>
/// X2: opens the far end of a CONNECT tunnel. Direct: a TCP connection to the target (resolved addresses
/// checked by the target guard). Chained: a connection to the upstream proxy (upstream guard), then
/// <c>CONNECT host:port</c> with <c>Proxy-Authorization</c>, waiting for its 2xx. Either way the result is a
/// socket ready to splice, plus any bytes the upstream sent after its answer.
/// </summary>
public static class TunnelOpener
{
    /// <summary>A ready tunnel (<see cref="Socket"/> set), or the error and reason to answer the client with.</summary>
    public sealed record Result(Socket? Socket, byte[] Leftover, ProxyError Error = default, string? Reason = null)
    {
        public static Result Fail(ProxyError error, string reason) => new(null, [], error, reason);
    }

    public static async Task<Result> OpenAsync(string authority, Backend via, UpstreamProxy? upstream, AddressGuard guard,
        TimeSpan connectTimeout, TimeSpan answerTimeout)
    {
        var what = upstream is null ? authority : $"upstream proxy {upstream.Display}";
        var unreachable = upstream is null ? ProxyError.UpstreamConnectFailed : ProxyError.UpstreamProxyFailed;
        UpstreamConnection connection;
        try
        {
            connection = await ForwardConnector.ConnectAsync(via, guard, connectTimeout).ConfigureAwait(false);
        }
        catch (ForwardDeniedException e)
        {
            return upstream is null
                ? Result.Fail(ProxyError.TargetNotAllowed, "target not allowed: " + e.Message)
                : Result.Fail(ProxyError.UpstreamProxyNotAllowed, "upstream proxy not allowed: " + e.Message);
        }
        catch (UpstreamConnectTimeoutException)
        {
            return Result.Fail(upstream is null ? ProxyError.UpstreamConnectTimeout : ProxyError.UpstreamProxyTimeout,
                $"{what} did not accept the connection in time");
        }
        catch (ForwardResolveException e)
        {
            return Result.Fail(unreachable, $"{what}: {e.Message}");
        }
        catch (Exception)
        {
            return Result.Fail(unreachable, $"{what} is unreachable");
        }

        var socket = connection.Socket;
        if (upstream is null) return new Result(socket, []);
        try
        {
            return await HandshakeAsync(socket, authority, upstream, answerTimeout).ConfigureAwait(false);
        }
        catch (Exception)
        {
            socket.Dispose();
            return Result.Fail(ProxyError.UpstreamProxyFailed, $"upstream proxy {upstream.Display} closed the connection during CONNECT");
        }
    }

    private static async Task<Result> HandshakeAsync(Socket socket, string authority, UpstreamProxy upstream, TimeSpan timeout)
    {
        var request = new StringBuilder($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
        if (upstream.ProxyAuthorization is { } credentials) request.Append("Proxy-Authorization: ").Append(credentials).Append("\r\n");
        request.Append("\r\n");
        using var cts = new CancellationTokenSource(timeout);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request.ToString()), SocketFlags.None, cts.Token).ConfigureAwait(false);

        var buffer = new byte[16 * 1024];
        var filled = 0;
        while (true)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                socket.Dispose();
                return Result.Fail(ProxyError.UpstreamProxyTimeout, $"upstream proxy {upstream.Display} did not answer CONNECT in time");
            }
            if (n == 0) throw new IOException("closed");
            filled += n;
            var status = Http1ResponseParser.TryParse(buffer.AsSpan(0, filled), requestWasHead: false, buffer.Length, 100,
                out var head, out var consumed, out _);
            if (status == ParseStatus.Incomplete)
            {
                if (filled == buffer.Length) break;
                continue;
            }
            if (status == ParseStatus.Invalid) break;
            if (head!.IsInterim)
            {
                Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                filled -= consumed;
                continue;
            }
            if (head.Status is >= 200 and < 300)
                return new Result(socket, buffer.AsSpan(consumed, filled - consumed).ToArray());
            socket.Dispose();
            return upstream.RefusedCredentials(head)
                ? Result.Fail(ProxyError.UpstreamProxyRefusedCredentials, $"upstream proxy {upstream.Display} refused the credentials ({head.Status})")
                : Result.Fail(ProxyError.UpstreamProxyFailed, $"upstream proxy {upstream.Display} answered {head.Status} to CONNECT");
        }
        socket.Dispose();
        return Result.Fail(ProxyError.UpstreamProxyFailed, $"upstream proxy {upstream.Display} sent a malformed answer to CONNECT");
    }
}
