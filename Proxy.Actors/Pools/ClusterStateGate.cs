using Akka.Actor;

namespace Proxy.Actors.Pools;

/// <summary>
/// C2: a node serves only with the cluster's view of its pools. Listeners start accepting once every pool's
/// agent has applied its first state from the pool's entity (drains, weights, health, breakers), so a node that
/// just (re)started never routes by the config's defaults, for instance to a drained backend. Bounded by
/// <c>proxy.startup.state-timeout</c>: past it the node serves with the defaults, says which pools lack state,
/// and is not ready (<c>/ready</c> 503) until they arrive.
/// </summary>
public sealed class ClusterStateGate
{
    private readonly HashSet<string> _waiting;
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _lock = new();
    private volatile bool _allState;

    public ClusterStateGate(IEnumerable<string> pools)
    {
        _waiting = new HashSet<string>(pools, StringComparer.Ordinal);
        if (_waiting.Count != 0) return;
        _allState = true;
        _open.SetResult();
    }

    /// <summary>Completes when listeners may accept: every pool has state, or the timeout passed.</summary>
    public Task Open => _open.Task;

    /// <summary>What <see cref="IsOpenElseTell"/> sends once the gate opens.</summary>
    public sealed record Opened
    {
        public static readonly Opened Instance = new();
    }

    /// <summary>For an actor about to accept connections: true when it may start now; otherwise it is sent
    /// <see cref="Opened"/> once the gate opens (its connections wait in the socket backlog meanwhile).</summary>
    public bool IsOpenElseTell(IActorRef actor)
    {
        if (_open.Task.IsCompleted) return true;
        _open.Task.PipeTo(actor, success: () => Opened.Instance);
        return false;
    }

    /// <summary>Every pool has had its state from the cluster.</summary>
    public bool HasAllState => _allState;

    /// <summary>Pools still without state from the cluster.</summary>
    public IReadOnlyList<string> Missing
    {
        get
        {
            lock (_lock) return _waiting.Order(StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Called by a pool's agent when it applied a state from the entity (the first call counts).</summary>
    public void StateReceived(string pool)
    {
        lock (_lock)
        {
            if (!_waiting.Remove(pool) || _waiting.Count != 0) return;
        }
        _allState = true;
        _open.TrySetResult();
    }

    /// <summary>Opens the gate after <paramref name="timeout"/> if the state has not all arrived; <paramref name="onExpired"/>
    /// gets the pools still without state.</summary>
    public void ExpireAfter(TimeSpan timeout, Action<IReadOnlyList<string>> onExpired)
    {
        if (_open.Task.IsCompleted) return;
        _ = Task.Delay(timeout).ContinueWith(_ =>
        {
            if (_open.Task.IsCompleted) return;
            onExpired(Missing);
            _open.TrySetResult();
        }, TaskScheduler.Default);
    }
}
