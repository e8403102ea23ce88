namespace Proxy.Actors.Connections;

/// <summary>
/// The materialized value of a connection's exchange stage: lets its listener ask it to drain (finish the
/// current exchange, then close) and observe when it has closed.
/// </summary>
public sealed class ConnectionHandle
{
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Action? _drain;
    private bool _drainRequested;

    public Task Closed => _closed.Task;

    public void Drain()
    {
        Action? drain;
        lock (_closed)
        {
            _drainRequested = true;
            drain = _drain;
        }
        drain?.Invoke();
    }

    internal void Attach(Action drain)
    {
        bool requested;
        lock (_closed)
        {
            _drain = drain;
            requested = _drainRequested;
        }
        if (requested) drain();
    }

    internal void MarkClosed() => _closed.TrySetResult();
}
