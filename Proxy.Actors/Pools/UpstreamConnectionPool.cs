using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Proxy.Actors.Pools;

/// <summary>
/// The node's keep-alive connections to one backend (D7): LIFO reuse so hot connections stay warm, a cap on
/// open connections, idle eviction, and a check on every rent so a connection the backend closed or wrote to
/// while idle is never used. Lock-free: exchanges on many threads rent and return concurrently.
/// </summary>
public sealed class UpstreamConnectionPool : IDisposable
{
    private readonly ConcurrentStack<UpstreamConnection> _idle = new();
    private readonly int _maxOpen;
    private int _open;
    private volatile bool _disposed;

    public UpstreamConnectionPool(int maxOpen) => _maxOpen = maxOpen <= 0 ? int.MaxValue : maxOpen;

    public int Open => Volatile.Read(ref _open);
    public int Idle => _idle.Count;

    /// <summary>
    /// Takes an idle connection that is still quiet; any other is closed on the way. Every connection is checked
    /// with one non-blocking poll, however briefly it rested: a byte, FIN or RST that arrived while it was idle
    /// means the backend closed it or wrote something no request asked for, and a response read from it would
    /// be some other exchange's (response queue poisoning). The poll is one syscall per reuse, and
    /// <see cref="EvictIdle"/> (every second) polls resting connections so closed ones do not linger. A zero-byte
    /// read kept pending on every resting connection (nginx, Go) closes no smaller window — bytes that arrive
    /// after this check are read as the response either way — and was measured at +15–25 % node CPU per request
    /// (docs/BENCHMARKS.md).
    /// </summary>
    public bool TryRent(out UpstreamConnection connection)
    {
        while (_idle.TryPop(out connection!))
        {
            if (IsQuiet(connection)) return true;
            Discard(connection);
        }
        return false;
    }

    /// <summary>Reserves a slot for a new connection; false when the cap is reached.</summary>
    public bool TryReserve()
    {
        while (true)
        {
            var open = Volatile.Read(ref _open);
            if (open >= _maxOpen) return false;
            if (Interlocked.CompareExchange(ref _open, open + 1, open) == open) return true;
        }
    }

    /// <summary>Gives back a slot reserved with <see cref="TryReserve"/> whose connect failed.</summary>
    public void Unreserve() => Interlocked.Decrement(ref _open);

    /// <summary>Puts a connection back after a complete exchange. One that still holds unread bytes (more than
    /// the response's framing accounted for) is closed instead: those bytes belong to no request.</summary>
    public void Return(UpstreamConnection connection)
    {
        if (_disposed || connection.Buffered > 0)
        {
            Discard(connection);
            return;
        }
        connection.ReadStart = connection.ReadEnd = 0;
        connection.IdleSince = Environment.TickCount64;
        _idle.Push(connection);
    }

    public void Discard(UpstreamConnection connection)
    {
        connection.Dispose();
        Interlocked.Decrement(ref _open);
    }

    /// <summary>Closes connections idle for longer than <paramref name="idleTimeout"/>.</summary>
    public void EvictIdle(TimeSpan idleTimeout)
    {
        var count = _idle.Count;
        if (count == 0) return;
        var taken = new UpstreamConnection[count];
        var n = _idle.TryPopRange(taken);
        var cutoff = Environment.TickCount64 - (long)idleTimeout.TotalMilliseconds;
        // Push back oldest first so the LIFO order (most recently used on top) is kept.
        for (var i = n - 1; i >= 0; i--)
        {
            var c = taken[i];
            if (c.IdleSince < cutoff || !IsQuiet(c)) Discard(c);
            else _idle.Push(c);
        }
    }

    private static bool IsQuiet(UpstreamConnection connection)
    {
        try
        {
            // Readable while idle means the backend closed it (FIN/RST) or sent bytes we never asked for.
            return !connection.Socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryPop(out var c)) Discard(c);
    }
}
