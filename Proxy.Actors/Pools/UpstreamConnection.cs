using System.Net.Security;
using System.Net.Sockets;

namespace Proxy.Actors.Pools;

/// <summary>
/// One keep-alive connection to a backend with its read buffer. Owned by one exchange at a time; between
/// exchanges it rests in its backend's <see cref="UpstreamConnectionPool"/>, watched by a zero-byte read
/// (<see cref="StartIdleWatch"/>): whatever the backend sends or does while no request is out — bytes, FIN,
/// RST — completes that read and closes the connection at once.
/// </summary>
public sealed class UpstreamConnection : IDisposable
{
    private const int InitialBuffer = 16 * 1024;
    private const int InUse = 0, Idle = 1, Closed = 2;
    private const int NoWatch = -1;

    private int _state = InUse;
    // Which rest (counted by StartIdleWatch) the pending watch read was started for; NoWatch when none is pending.
    private int _rest;
    private int _watchedRest = NoWatch;
    private SocketAsyncEventArgs? _watch;

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

    /// <summary>
    /// The connection goes to rest: a zero-byte read is left pending on the socket (it consumes nothing). Its
    /// completion while the connection still rests means the backend wrote, closed or reset it, and the
    /// connection is closed through <paramref name="onDisturbed"/> at once. The read is not cancelled when the
    /// connection is rented: it completes with the next response, beside the exchange's own read, and is then
    /// started again at the next rest (nginx's keepalive close handler and Go's persistConn.readLoop do the same).
    /// </summary>
    public void StartIdleWatch(Action<UpstreamConnection> onDisturbed)
    {
        _onDisturbed = onDisturbed;
        var rest = Interlocked.Increment(ref _rest);
        Volatile.Write(ref _state, Idle);
        TryWatch(rest);
    }

    private Action<UpstreamConnection>? _onDisturbed;

    /// <summary>Takes a resting connection for an exchange; false when its watch closed it already.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref _state, InUse, Idle) == Idle;

    private void TryWatch(int rest)
    {
        // A watch from an earlier rest may still be pending (its completion not yet handled): that completion
        // starts the watch for this rest instead.
        if (Interlocked.CompareExchange(ref _watchedRest, rest, NoWatch) != NoWatch) return;
        if (_watch is null)
        {
            _watch = new SocketAsyncEventArgs();
            _watch.SetBuffer(Memory<byte>.Empty);
            _watch.Completed += (_, _) => OnWatchCompleted();
        }
        bool pending;
        try
        {
            pending = Socket.ReceiveAsync(_watch);
        }
        catch (Exception)
        {
            // Disposed or broken: treat as disturbed.
            pending = false;
        }
        if (!pending) OnWatchCompleted();
    }

    private void OnWatchCompleted()
    {
        var watchedRest = Interlocked.Exchange(ref _watchedRest, NoWatch);
        if (Volatile.Read(ref _state) != Idle) return; // in use: it was the response the exchange asked for
        var rest = Volatile.Read(ref _rest);
        if (watchedRest != rest)
        {
            // A completion left over from an earlier rest (that rest's response): watch this rest now.
            TryWatch(rest);
            return;
        }
        if (Interlocked.CompareExchange(ref _state, Closed, Idle) == Idle) _onDisturbed?.Invoke(this);
    }

    public void Dispose()
    {
        Volatile.Write(ref _state, Closed);
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
        _watch?.Dispose();
    }
}
