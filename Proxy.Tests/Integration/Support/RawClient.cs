using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Proxy.Tests.Integration.Support;

/// <summary>A client on a raw socket: sends exact bytes and reads what comes back.</summary>
public sealed class RawClient : IDisposable
{
    private readonly Socket _socket;

    public RawClient(IPEndPoint endpoint)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect(endpoint);
    }

    public void Send(string text) => _socket.Send(Encoding.Latin1.GetBytes(text));
    public void Send(byte[] bytes) => _socket.Send(bytes);

    /// <summary>Reads until the peer closes or <paramref name="timeout"/> passes; returns everything read.</summary>
    /// <param name="requireClose">Throw <see cref="TimeoutException"/> when the peer did not close in time.</param>
    public async Task<string> ReadUntilClosedAsync(TimeSpan timeout, bool requireClose = false)
    {
        var result = new MemoryStream();
        var closed = await ReceiveUntilClosedAsync(timeout, (buffer, n) => result.Write(buffer, 0, n));
        if (requireClose && !closed) throw new TimeoutException($"the peer did not close within {timeout}");
        return Encoding.Latin1.GetString(result.ToArray());
    }

    /// <summary>Counts the bytes until the peer closes (for bodies of many megabytes); throws when it does not
    /// close within <paramref name="timeout"/>.</summary>
    public async Task<long> CountUntilClosedAsync(TimeSpan timeout)
    {
        long total = 0;
        if (!await ReceiveUntilClosedAsync(timeout, (_, n) => total += n))
            throw new TimeoutException($"the peer did not close within {timeout}");
        return total;
    }

    /// <returns>True when the peer closed (FIN or reset), false when the timeout passed first.</returns>
    private async Task<bool> ReceiveUntilClosedAsync(TimeSpan timeout, Action<byte[], int> received)
    {
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0) return true;
                received(buffer, n);
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    /// <summary>Reads until <paramref name="count"/> complete responses with Content-Length bodies arrived.</summary>
    public async Task<string> ReadResponsesAsync(int count, TimeSpan timeout)
    {
        var text = new StringBuilder();
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(timeout);
        while (CountComplete(text.ToString()) < count)
        {
            var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0) break;
            text.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    private static int CountComplete(string text)
    {
        var count = 0;
        var pos = 0;
        while (true)
        {
            var headEnd = text.IndexOf("\r\n\r\n", pos, StringComparison.Ordinal);
            if (headEnd < 0) return count;
            var head = text[pos..headEnd];
            var cl = 0;
            foreach (var line in head.Split("\r\n"))
                if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase)) cl = int.Parse(line[15..].Trim());
            if (head.StartsWith("HTTP/1.1 1", StringComparison.Ordinal)) cl = 0;
            if (text.Length < headEnd + 4 + cl) return count;
            if (!head.StartsWith("HTTP/1.1 1", StringComparison.Ordinal)) count++;
            pos = headEnd + 4 + cl;
        }
    }

    public void Dispose() => _socket.Dispose();
}
