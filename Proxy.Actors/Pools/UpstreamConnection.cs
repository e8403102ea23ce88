using System.Net.Sockets;

namespace Proxy.Actors.Pools;

/// <summary>
/// One keep-alive connection to a backend with its read buffer. Owned by one exchange at a time; between
/// exchanges it rests in its backend's <see cref="UpstreamConnectionPool"/>.
/// </summary>
public sealed class UpstreamConnection : IDisposable
{
    private const int InitialBuffer = 16 * 1024;

    public UpstreamConnection(Socket socket, Backend backend)
    {
        Socket = socket;
        Backend = backend;
        Buffer = new byte[InitialBuffer];
    }

    public Socket Socket { get; }
    public Backend Backend { get; }

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
