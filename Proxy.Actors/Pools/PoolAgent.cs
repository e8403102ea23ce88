using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Proxy.Shared.Pools;

namespace Proxy.Actors.Pools;

/// <summary>
/// The node-local replica of one pool (one agent per pool per node): the single writer of the pool's
/// <see cref="PoolRuntime"/>, which connection stages read per request without waiting on anything.
/// It subscribes to the pool's sharded <c>BackendPool</c> entity and applies every <see cref="PoolState"/> the
/// entity pushes (availability, weight, half-open trial limits); re-subscribes every few seconds with the
/// version it holds, which is how it catches up after a missed push, a hand-off or its own late start; and
/// reports the node's outcomes to the entity in batches (every 200 ms, at once after a failure).
/// </summary>
public sealed class PoolAgent : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan UpkeepInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan SubscribeInterval = TimeSpan.FromSeconds(3);

    private PoolRuntime _pool;
    private readonly IActorRef? _region;
    private readonly string _node;
    private readonly Dictionary<string, Backend> _byAddress = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private PoolState? _state;

    private readonly ClusterStateGate? _gate;

    /// <param name="region">The <c>backend-pool</c> shard region (or its proxy); null runs the pool node-locally.</param>
    /// <param name="gate">Told when the first state from the pool's entity is applied (listeners wait for it).</param>
    public PoolAgent(PoolRuntime pool, IActorRef? region, ClusterStateGate? gate = null)
    {
        _pool = pool;
        _region = region;
        _gate = gate;
        _node = Cluster.Get(Context.System).SelfAddress.ToString();
        foreach (var b in pool.Backends) _byAddress[b.Address] = b;

        Receive<PoolUpkeep>(_ =>
        {
            _pool.Budget.Decay();
            foreach (var backend in _pool.Backends)
                backend.Connections.EvictIdle(_pool.Settings.Connections.IdleTimeout);
        });
        Receive<PoolState>(OnPoolState);
        Receive<ReportTick>(_ => Report());
        Receive<Resubscribe>(_ => Subscribe());
        Receive<GetPoolStatus>(_ =>
        {
            var backends = new List<BackendStatus>(_pool.Backends.Length);
            foreach (var b in _pool.Backends)
                backends.Add(new BackendStatus(b.Address, b.Available, b.Weight, b.InFlight, b.Connections.Open,
                    b.Connections.Idle));
            Sender.Tell(new PoolStatus(_pool.Name, _pool.Settings.Policy.ToString(), backends));
        });
        Receive<GetLocalPoolState>(_ => Sender.Tell(new LocalPoolState(_pool.Name, _state)));
        Receive<ReplacePool>(r => Replace(r.Pool));
    }

    /// <summary>O6: a config revision changed the pool. The node's snapshot already points at <paramref name="pool"/>
    /// (new requests use it; those in flight finish on the old one). The outcomes counted so far are reported, the
    /// cluster state this agent holds is applied to the new backends, and the connections of the backends that left are
    /// closed (idle ones now, busy ones when they are given back). The pool's entity takes the new settings from its own
    /// node's revision and pushes the state that follows.</summary>
    private void Replace(PoolRuntime pool)
    {
        if (ReferenceEquals(pool, _pool) || pool.Name != _pool.Name) return;
        if (_region is not null) Report();
        var old = _pool;
        old.ReportNow = null;
        _pool = pool;
        _byAddress.Clear();
        foreach (var b in pool.Backends) _byAddress[b.Address] = b;
        if (_region is not null)
        {
            var self = Self;
            pool.ReportNow = () => self.Tell(ReportTick.Instance);
        }
        pool.LastClusterState = old.LastClusterState;
        if (_state is { } state)
        {
            _state = null; // applied again below, to the new backends
            OnPoolState(state);
        }
        old.DisposeReplacedBy(pool);
        _log.Info("Pool {0}: {1} backend(s) now ({2} kept with their connections and state)", pool.Name, pool.Backends.Length,
            pool.Backends.Count(b => Array.IndexOf(old.Backends, b) >= 0));
        Subscribe();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PoolRuntime pool, IActorRef? region = null, ClusterStateGate? gate = null) =>
        Akka.Actor.Props.Create(() => new PoolAgent(pool, region, gate));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("upkeep", PoolUpkeep.Instance, UpkeepInterval);
        if (_region is null) return;
        var self = Self;
        _pool.ReportNow = () => self.Tell(ReportTick.Instance);
        Timers.StartPeriodicTimer("report", ReportTick.Instance, ReportInterval);
        Timers.StartPeriodicTimer("subscribe", Resubscribe.Instance, SubscribeInterval);
        Subscribe();
    }

    protected override void PostStop()
    {
        _pool.ReportNow = null;
        _pool.Dispose();
    }

    private void Subscribe() =>
        _region?.Tell(new SubscribePool(_pool.Name, _node, _state?.Incarnation, _state?.Version ?? 0));

    private void OnPoolState(PoolState state)
    {
        if (state.Pool != _pool.Name) return;
        if (_state is not null && state.Incarnation == _state.Incarnation && state.Version <= _state.Version) return;
        _state = state;
        _pool.LastClusterState = new ReceivedPoolState(state, DateTime.UtcNow);
        foreach (var b in state.Backends)
        {
            if (!_byAddress.TryGetValue(b.Address, out var backend)) continue;
            backend.ClusterState = b;
            backend.TrialLimit = b.Breaker == BreakerState.HalfOpen ? _pool.Settings.Breaker.HalfOpenTrials : 0;
            backend.Weight = b.Weight;
            if (backend.Available != b.Usable)
                _log.Info("Pool {0}: backend {1} is now {2}", _pool.Name, b.Address, b.Usable
                    ? "in use"
                    : $"out of use (healthy={b.Healthy}, breaker={b.Breaker}, drained={b.Drained}, ejected={b.Ejected})");
            backend.Available = b.Usable;
        }
        _gate?.StateReceived(_pool.Name);
    }

    private void Report()
    {
        _pool.ReportTaken();
        List<BackendOutcome>? outcomes = null;
        foreach (var b in _pool.Backends)
            if (b.TakeOutcome() is { } outcome)
                (outcomes ??= []).Add(outcome);
        if (outcomes is not null) _region!.Tell(new ReportOutcomes(_pool.Name, _node, outcomes));
    }

    /// <summary>O6: the pool's runtime for a new config revision (same pool name).</summary>
    public sealed record ReplacePool(PoolRuntime Pool);

    private sealed record ReportTick
    {
        public static readonly ReportTick Instance = new();
    }

    private sealed record Resubscribe
    {
        public static readonly Resubscribe Instance = new();
    }
}
