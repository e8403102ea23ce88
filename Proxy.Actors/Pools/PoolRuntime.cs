using Proxy.Actors.Tls;
using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;

namespace Proxy.Actors.Pools;

/// <summary>
/// A pool as the hot path reads it: immutable except for the lock-free state inside its backends, which
/// only the pool's <see cref="PoolAgent"/> changes (from the cluster's PoolState).
/// </summary>
public sealed class PoolRuntime : IDisposable
{
    private int _reportRequested;

    public PoolRuntime(PoolSettings settings) : this(settings, null)
    {
    }

    /// <summary>
    /// The pool as a new config revision has it (O6). The <see cref="Backend"/>s of <paramref name="previous"/> that
    /// stay the same backend (address, scheme, and the pool's connection and TLS settings unchanged) are carried over
    /// with their connections, in-flight counts and cluster state; the others are new.
    /// </summary>
    public PoolRuntime(PoolSettings settings, PoolRuntime? previous)
    {
        Settings = settings;
        Name = settings.Name;
        Backends = new Backend[settings.Backends.Count];
        var sameTransport = previous is not null && previous.Settings.Connections.MaxPerBackend == settings.Connections.MaxPerBackend
            && previous.Settings.Tls == settings.Tls;
        // Read once per pool (its CA file, if any); a bad file fails the node's start or the revision.
        var tls = settings.Backends.Any(b => b.Tls) ? sameTransport && previous!.Tls is { } kept ? kept : new UpstreamTls(settings.Tls) : null;
        for (var i = 0; i < Backends.Length; i++)
        {
            var wanted = settings.Backends[i];
            Backends[i] = (sameTransport ? previous!.Find(wanted) : null) ?? new Backend(wanted, settings.Connections, tls);
        }
        Tls = tls;
        Policy = LoadBalancingPolicies.Create(settings.Policy);
        Budget = new RetryBudget(settings.Retries.Budget);
        var statuses = new bool[600];
        foreach (var s in settings.Retries.Statuses)
            if (s is >= 100 and < 600) statuses[s] = true;
        RetryStatuses = statuses;
    }

    public string Name { get; }
    public PoolSettings Settings { get; }
    public Backend[] Backends { get; }
    public ILoadBalancingPolicy Policy { get; }
    public RetryBudget Budget { get; }
    /// <summary>Verification of the pool's https:// backends (null when it has none).</summary>
    public UpstreamTls? Tls { get; }
    /// <summary>Indexed by status code: whether an idempotent request is retried on it.</summary>
    public bool[] RetryStatuses { get; }

    /// <summary>
    /// The backend for a new request or connection, by the pool's policy (shared by HTTP exchanges and L4 routes). A
    /// half-open backend whose trials are all in flight is passed over for one more pick; null when none is usable.
    /// </summary>
    public Backend? Pick(in LoadBalancingContext context)
    {
        var index = Policy.Pick(Backends, context);
        if (index >= 0 && !Backends[index].AcceptsTrial)
        {
            var other = Policy.Pick(Backends, context with { Avoid = Backends[index] });
            index = other >= 0 && other != index && Backends[other].AcceptsTrial ? other : -1;
        }
        return index < 0 ? null : Backends[index];
    }

    /// <summary>
    /// Whether an attempt that failed may be retried (shared by HTTP exchanges and L4 routes): attempts are left
    /// (<c>retries.attempts</c> beyond the first) and the retry budget allows one; <paramref name="backoff"/> is then
    /// the wait before it, exponential from <c>retries.backoff</c> with jitter (half fixed, half random).
    /// </summary>
    /// <param name="retriesMade">Retries already made for this request or connection (0 after the first attempt).</param>
    public bool TryRetry(int retriesMade, out TimeSpan backoff)
    {
        backoff = TimeSpan.Zero;
        if (retriesMade >= Settings.Retries.Attempts || !Budget.TryAcquireRetry()) return false;
        var full = Settings.Retries.BackoffBase.TotalMilliseconds * (1 << Math.Min(retriesMade, 16));
        backoff = TimeSpan.FromMilliseconds(full / 2 + Random.Shared.NextDouble() * full / 2);
        return true;
    }

    /// <summary>Counts a failed attempt on <paramref name="backend"/> (begun at <paramref name="started"/>, a Stopwatch
    /// timestamp) for its health and breaker, and has it reported to the cluster now (shared by HTTP exchanges and L4
    /// routes).</summary>
    public void RecordFailure(Backend backend, long started)
    {
        backend.RecordFailure(started);
        RequestReport();
    }

    /// <summary>The last state of the pool this node received from the cluster (null before the first), with when it
    /// arrived; the admin API shows it while the pool's entity moves. Written by the agent only.</summary>
    public ReceivedPoolState? LastClusterState
    {
        get => Volatile.Read(ref _lastClusterState);
        internal set => Volatile.Write(ref _lastClusterState, value);
    }

    private ReceivedPoolState? _lastClusterState;

    /// <summary>Set by the agent: asks it to report outcomes now rather than at the next interval.</summary>
    internal Action? ReportNow { get; set; }

    /// <summary>After a failure: the agent reports at once, so the cluster learns of it within one hop. At most
    /// one request is pending, so a burst of failures costs one message.</summary>
    public void RequestReport()
    {
        if (Interlocked.Exchange(ref _reportRequested, 1) == 0) ReportNow?.Invoke();
    }

    internal void ReportTaken() => Volatile.Write(ref _reportRequested, 0);

    /// <summary>Closes the idle connections of every backend; those in use close when they are given back.</summary>
    public void Dispose()
    {
        foreach (var b in Backends) b.Connections.Dispose();
    }

    /// <summary>Closes the connections of the backends that <paramref name="successor"/> does not carry over.</summary>
    public void DisposeReplacedBy(PoolRuntime successor)
    {
        foreach (var b in Backends)
            if (Array.IndexOf(successor.Backends, b) < 0)
                b.Connections.Dispose();
    }

    private Backend? Find(BackendSettings wanted)
    {
        foreach (var b in Backends)
        {
            var s = b.Settings;
            if (string.Equals(s.Address, wanted.Address, StringComparison.OrdinalIgnoreCase) && s.Host == wanted.Host && s.Port == wanted.Port
                && s.Tls == wanted.Tls)
                return b;
        }
        return null;
    }
}

/// <summary>A pool state as a node received it.</summary>
public sealed record ReceivedPoolState(Proxy.Shared.Pools.PoolState State, DateTime ReceivedUtc);
