using System.Net.Security;
using System.Net.Sockets;

namespace Proxy.Actors.Pools;

/// <summary>
/// One keep-alive connection to a backend with its read buffer. Owned by one exchange at a time; between
/// exchanges it rests in its backend's <see cref="UpstreamConnectionPool"/>.
/// </summary>
public sealed class UpstreamConnection : IDisposable
{
    private const int InitialBuffer = 16 * 1024;

    public UpstreamConnection(Socket socket, Backend backend, SslStream? tls = null)
    {
        Socket = socket;
        Backend = backend;
        Tls = tls;
        Buffer = new byte[InitialBuffer];
    }

    public Socket Socket { get; }
    public Backend Backend { get; }
    /// <summary>The TLS session to an <c>https://</c> backend; null for plain HTTP.</summary>
    public SslStream? Tls { get; }

    /// <summary>Sends the segments in order (one gathered socket write, or one TLS write per segment).</summary>
    public ValueTask<int> SendAsync(IList<ArraySegment<byte>> segments)
    {
        if (Tls is null)
            return segments.Count == 1
                ? Socket.SendAsync(segments[0].AsMemory(), SocketFlags.None)
                : new ValueTask<int>(Socket.SendAsync(segments, SocketFlags.None));
        return SendTlsAsync(segments);
    }

    private async ValueTask<int> SendTlsAsync(IList<ArraySegment<byte>> segments)
    {
        var total = 0;
        // Copied: the caller reuses its segment list once this returns a pending task.
        foreach (var segment in segments.ToArray())
        {
            await Tls!.WriteAsync(segment.AsMemory()).ConfigureAwait(false);
            total += segment.Count;
        }
        return total;
    }

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer) =>
        Tls is null ? Socket.ReceiveAsync(buffer, SocketFlags.None) : Tls.ReadAsync(buffer);

    /// <summary>Bytes read but not yet consumed are Buffer[ReadStart..ReadEnd).</summary>
    public byte[] Buffer { get; private set; }
    public int ReadStart { get; set; }
    public int ReadEnd { get; set; }
    public int Buffered => ReadEnd - ReadStart;

    /// <summary>Environment.TickCount64 when last returned to the pool.</summary>
    public long IdleSince { get; set; }

    /// <summary>Moves unread bytes to the front and grows the buffer (up to <paramref name="max"/>) when full.</summary>
    public bool MakeRoom(int max)
    {
        if (ReadStart > 0)
        {
            var n = Buffered;
            System.Buffer.BlockCopy(Buffer, ReadStart, Buffer, 0, n);
            ReadStart = 0;
            ReadEnd = n;
        }
        if (ReadEnd < Buffer.Length) return true;
        if (Buffer.Length >= max) return false;
        var bigger = new byte[Math.Min(Buffer.Length * 2, max)];
        System.Buffer.BlockCopy(Buffer, 0, bigger, 0, ReadEnd);
        Buffer = bigger;
        return true;
    }

    public void Dispose()
    {
        Tls?.Dispose();
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception)
        {
            // The peer may have reset the connection already.
        }
        Socket.Dispose();
    }
}
