using Proxy.Actors.Metrics;

namespace Proxy.Actors.Connections;

/// <summary>
/// The open connections of one listener, used from the accept threads (admission), the connections' own threads
/// (closing) and the listener actor (status, stop, drain). One short lock guards the set and the counts: each
/// connection takes it twice in its life (admitted and tracked, closed), never per request.
/// </summary>
public sealed class ConnectionRegistry
{
    private readonly object _gate = new();
    private readonly HashSet<ConnectionHandle> _open = new();
    private readonly ConnectionMetrics.ListenerSeries _metrics;
    private readonly Action _allClosed;
    private readonly Action<ConnectionHandle> _onClosed;
    /// <summary>Admitted connections: open ones and those still starting.</summary>
    private int _admitted;
    private bool _accepting = true;
    private bool _draining;
    private long _accepted;
    private long _refused;

    /// <param name="allClosed">Called (on the thread that closed the last one) when a drain finds no connection left.</param>
    public ConnectionRegistry(ConnectionMetrics.ListenerSeries metrics, Action allClosed)
    {
        _metrics = metrics;
        _allClosed = allClosed;
        _onClosed = Closed;
    }

    public enum Admission
    {
        Admitted,
        AtLimit,
        Stopping,
    }

    public bool Accepting
    {
        get { lock (_gate) return _accepting; }
    }

    public int Open
    {
        get { lock (_gate) return _admitted; }
    }

    public (long Accepted, long Refused) Totals
    {
        get { lock (_gate) return (_accepted, _refused); }
    }

    /// <summary>Whether a new connection may start (still accepting, under max-connections); counts it either way.
    /// An admitted connection is then either <see cref="Track"/>ed or <see cref="Abandon"/>ed.</summary>
    public Admission TryAdmit(int maxConnections)
    {
        Admission admission;
        lock (_gate)
        {
            admission = !_accepting ? Admission.Stopping
                : _admitted >= maxConnections ? Admission.AtLimit
                : Admission.Admitted;
            if (admission == Admission.Admitted)
            {
                _admitted++;
                _accepted++;
            }
            else
            {
                _refused++;
            }
        }
        if (admission == Admission.Admitted) _metrics.Accepted();
        else _metrics.Refused(stopping: admission == Admission.Stopping);
        return admission;
    }

    /// <summary>An admitted connection that could not start.</summary>
    public void Abandon() => Closed(null);

    /// <summary>An admitted connection that started: tracked until it closes (drained at once if a drain began).</summary>
    public void Track(ConnectionHandle handle)
    {
        bool drain;
        int open;
        lock (_gate)
        {
            _open.Add(handle);
            drain = _draining;
            open = _admitted;
        }
        _metrics.Open(open);
        handle.OnClosed(_onClosed);
        if (drain) handle.Drain();
    }

    /// <summary>No more admissions.</summary>
    public void StopAccepting()
    {
        lock (_gate) _accepting = false;
    }

    /// <summary>Stops admissions and asks every open connection to finish its exchange and close;
    /// <c>allClosed</c> follows when none is left (at once if none is open).</summary>
    public void DrainAll()
    {
        ConnectionHandle[] open;
        bool none;
        lock (_gate)
        {
            _accepting = false;
            _draining = true;
            open = _open.ToArray();
            none = _admitted == 0;
        }
        foreach (var handle in open) handle.Drain();
        if (none) _allClosed();
    }

    private void Closed(ConnectionHandle? handle)
    {
        int open;
        bool allClosed;
        lock (_gate)
        {
            if (handle is not null && !_open.Remove(handle)) return;
            open = --_admitted;
            allClosed = _draining && open == 0;
        }
        _metrics.Open(open);
        if (allClosed) _allClosed();
    }
}
