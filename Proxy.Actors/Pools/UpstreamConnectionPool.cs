using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Proxy.Actors.Pools;

/// <summary>
/// The node's keep-alive connections to one backend (D7): LIFO reuse so hot connections stay warm, a cap on
/// open connections, idle eviction, and a liveness check on rent so a connection the backend closed while
/// idle is never used. Lock-free: exchanges on many threads rent and return concurrently.
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
    /// Takes an idle connection that still looks alive; dead ones are closed on the way. A connection that rested
    /// less than <see cref="LivenessCheckAfterMs"/> is not polled: backends close idle connections after seconds,
    /// not milliseconds, and a poll is one more syscall per request at full load. If such a connection turns out
    /// closed anyway, the exchange retries the request on a fresh connection.
    /// </summary>
    public bool TryRent(out UpstreamConnection connection)
    {
        while (_idle.TryPop(out connection!))
        {
            if (Environment.TickCount64 - connection.IdleSince < LivenessCheckAfterMs || IsAlive(connection)) return true;
            Discard(connection);
        }
        return false;
    }

    private const long LivenessCheckAfterMs = 1000;

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

    public void Return(UpstreamConnection connection)
    {
        if (_disposed)
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
            if (c.IdleSince < cutoff || !IsAlive(c)) Discard(c);
            else _idle.Push(c);
        }
    }

    private static bool IsAlive(UpstreamConnection connection)
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
