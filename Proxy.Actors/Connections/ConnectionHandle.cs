namespace Proxy.Actors.Connections;

/// <summary>
/// The materialized value of a connection's exchange stage: lets its listener ask it to drain (finish the
/// current exchange, then close) and learn when it has closed. Both calls may come from any thread and in any
/// order relative to the stage's start and stop; a drain asked before the stage attached, or a close callback
/// registered after the stage stopped, still takes effect.
/// </summary>
public sealed class ConnectionHandle
{
    private readonly object _gate = new();
    private Action? _drain;
    private bool _drainRequested;
    private Action<ConnectionHandle>? _onClosed;
    private bool _closed;

    public void Drain()
    {
        Action? drain;
        lock (_gate)
        {
            _drainRequested = true;
            drain = _drain;
        }
        drain?.Invoke();
    }

    /// <summary>Calls <paramref name="onClosed"/> once, on the thread that closes the connection (at once if it has).</summary>
    public void OnClosed(Action<ConnectionHandle> onClosed)
    {
        bool closed;
        lock (_gate)
        {
            _onClosed = onClosed;
            closed = _closed;
        }
        if (closed) onClosed(this);
    }

    internal void Attach(Action drain)
    {
        bool requested;
        lock (_gate)
        {
            _drain = drain;
            requested = _drainRequested;
        }
        if (requested) drain();
    }

    internal void MarkClosed()
    {
        Action<ConnectionHandle>? onClosed;
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            onClosed = _onClosed;
        }
        onClosed?.Invoke(this);
    }
}
