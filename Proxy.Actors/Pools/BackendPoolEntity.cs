using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Proxy.Shared.Configuration;
using Proxy.Shared.Pools;

namespace Proxy.Actors.Pools;

/// <summary>
/// The cluster's authority for one pool (sharded, region <c>backend-pool</c>, entity id = pool name): merges
/// the configured members with persisted admin changes (drain, weight), runs the active health checks for
/// the whole cluster, aggregates the outcomes every node reports (outlier ejection, circuit breakers) in a
/// <see cref="BackendPoolModel"/>, and pushes a versioned <see cref="PoolState"/> to every node's PoolAgent
/// whenever a decision changes. Only admin changes are persisted; health and breakers are re-learned within
/// seconds after a hand-off, while agents keep deciding with the last state they had.
/// </summary>
public sealed class BackendPoolEntity : ReceivePersistentActor, IWithTimers
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);

    private readonly string _poolId;
    private readonly BackendPoolModel? _model;
    private readonly Func<string, PoolSettings?> _settingsOf;
    private readonly string _incarnation = Guid.NewGuid().ToString("N")[..12];
    private readonly Dictionary<IActorRef, string> _subscribers = new();
    private readonly HashSet<string> _probing = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Who waits for each admin change still being written, in the order they were persisted.
    private readonly Queue<(IActorRef ReplyTo, string Address)> _awaitingJournal = new();
    // Monotonic over hand-offs and restarts: (journal sequence number of the last persisted event) << 32, plus the
    // decisions published since. Every incarnation persists PoolEntityStarted first, so its epoch is above every
    // earlier one's; an admin change also moves the epoch. 2^32 decisions per epoch before the bits would overlap.
    private long _version;
    private int _recoveredChanges;
    private Tls.UpstreamTls? _tls;

    /// <param name="settingsOf">The pool's settings in the hosting node's current config revision (null: the node has
    /// no such pool). Read when the entity starts and on every tick: a revision that changes the pool reaches the
    /// entity within a tick of its node applying it (O6).</param>
    public BackendPoolEntity(string poolId, Func<string, PoolSettings?> settingsOf)
    {
        _poolId = poolId;
        _settingsOf = settingsOf;
        var settings = settingsOf(poolId);
        _model = settings is null ? null : new BackendPoolModel(settings);
        _tls = UpstreamTlsFor(settings);

        Recover<IBackendPoolEvent>(e =>
        {
            if (e is not PoolEntityStarted) _recoveredChanges++;
            _model?.Apply(e);
        });
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<SubscribePool>(OnSubscribe);
        Command<ReportOutcomes>(r =>
        {
            if (_model!.ApplyOutcomes(r.Node, r.Backends, DateTime.UtcNow)) Publish("outcomes from " + r.Node);
        });
        Command<GetPoolState>(_ => Sender.Tell(CurrentState()));
        Command<DrainBackend>(c => Change(c.Address, a => new BackendDrained(a), "drained"));
        Command<UndrainBackend>(c => Change(c.Address, a => new BackendUndrained(a), "undrained"));
        Command<SetBackendWeight>(c =>
        {
            if (c.Weight is < 0 or > 1000)
            {
                Sender.Tell(new AdminChangeResult(_poolId, c.Address, false, $"weight must be from 0 to 1000, got {c.Weight}", _version));
                return;
            }
            Change(c.Address, a => new BackendWeightChanged(a, c.Weight), $"weight set to {c.Weight}");
        });
        Command<ProbeTick>(_ => StartProbes());
        Command<ProbeResult>(r =>
        {
            _probing.Remove(r.Address);
            if (_model!.ApplyProbe(r.Address, r.Passed))
            {
                _log.Warning("Pool {0}: backend {1} is {2} by active health checks", _poolId, r.Address, r.Passed ? "healthy" : "unhealthy");
                Publish("health check");
            }
        });
        Command<Tick>(_ =>
        {
            var settings = _settingsOf(_poolId);
            if (settings is null)
            {
                RemovedFromConfig();
                return;
            }
            if (!ReferenceEquals(settings, _model!.Settings)) Reconfigure(settings);
            if (_model.Tick(DateTime.UtcNow)) Publish("timer");
        });
        Command<Terminated>(t =>
        {
            if (_subscribers.Remove(t.ActorRef, out var node) && !_subscribers.ContainsValue(node)) _model!.ForgetNode(node);
        });
    }

    public override string PersistenceId => "backend-pool-" + _poolId;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string poolId, Func<string, PoolSettings?> settingsOf) =>
        Akka.Actor.Props.Create(() => new BackendPoolEntity(poolId, settingsOf));

    /// <summary>An entity for fixed settings (tests, and pools that never change).</summary>
    public static Props Props(string poolId, PoolSettings? settings) => Props(poolId, _ => settings);

    private static Tls.UpstreamTls? UpstreamTlsFor(PoolSettings? settings) =>
        settings is not null && settings.Backends.Any(b => b.Tls) ? new Tls.UpstreamTls(settings.Tls) : null;

    /// <summary>O6: this node's config revision changed the pool: the backends that stay keep their state, health checks
    /// follow the new settings, and the state that follows is pushed to every node.</summary>
    private void Reconfigure(PoolSettings settings)
    {
        var before = _model!.Settings;
        var changed = _model.Reconfigure(settings);
        if (settings.Tls != before.Tls || settings.Backends.Any(b => b.Tls) != before.Backends.Any(b => b.Tls))
        {
            try
            {
                _tls = UpstreamTlsFor(settings);
            }
            catch (Exception e)
            {
                // The node validated the revision's files before applying it; a file changed since then.
                _log.Warning("Pool {0}: health checks keep the previous TLS settings: {1}", _poolId, e.Message);
            }
        }
        if (settings.Health != before.Health)
        {
            Timers.Cancel("probe");
            if (settings.Health is { } health) Timers.StartPeriodicTimer("probe", ProbeTick.Instance, health.Interval);
        }
        _log.Info("Pool {0}: settings of a new config revision taken ({1} backends)", _poolId, settings.Backends.Count);
        Publish(changed ? "config revision" : "config revision (same backends)");
    }

    /// <summary>O6: the hosting node's revision has no such pool: the entity stops. Nodes still running a revision with
    /// the pool start it again elsewhere when they next subscribe.</summary>
    private void RemovedFromConfig()
    {
        _log.Info("Pool {0} is not in this node's config revision any more; stopping its entity", _poolId);
        Context.Stop(Self);
    }

    protected override void PreStart()
    {
        if (_model is null)
        {
            // Every node loads the same config, so only a message for a pool nobody configured lands here.
            _log.Warning("No pool named '{0}' in this node's config; stopping its entity", _poolId);
            Context.Stop(Self);
            return;
        }
        base.PreStart();
    }

    private void OnRecovered()
    {
        if (_model is null) return;
        // Commands wait (stashed) until the start is journaled, so nobody sees a version of the old epoch.
        Persist(new PoolEntityStarted(_incarnation), _ => Started());
    }

    private void Started()
    {
        _version = LastSequenceNr << 32;
        Timers.StartPeriodicTimer("tick", Tick.Instance, TickInterval);
        if (_model!.Settings.Health is { } health)
        {
            Timers.StartPeriodicTimer("probe", ProbeTick.Instance, health.Interval);
            StartProbes();
        }
        _log.Info("Pool {0} entity started (incarnation {1}, {2} admin changes recovered, state version {3})", _poolId, _incarnation,
            _recoveredChanges, _version);
    }

    private void OnSubscribe(SubscribePool s)
    {
        if (!_subscribers.ContainsKey(Sender))
        {
            _subscribers[Sender] = s.Node;
            Context.Watch(Sender);
        }
        if (s.KnownIncarnation != _incarnation || s.KnownVersion < _version) Sender.Tell(CurrentState());
    }

    private void Change(string address, Func<string, IBackendPoolEvent> toEvent, string what)
    {
        var known = _model!.Find(address);
        if (known is null)
        {
            Sender.Tell(new AdminChangeResult(_poolId, address, false, $"pool '{_poolId}' has no backend '{address}'", _version));
            return;
        }
        var @event = toEvent(known);
        var replyTo = Sender;
        _awaitingJournal.Enqueue((replyTo, known));
        Persist(@event, e =>
        {
            _awaitingJournal.Dequeue();
            var changed = _model.Apply(e);
            if (changed) Publish("admin: " + what);
            _log.Info("Pool {0}: backend {1} {2} (admin)", _poolId, known, what);
            replyTo.Tell(new AdminChangeResult(_poolId, known, true, changed ? $"{known} {what}" : $"{known} already {what}", _version));
        });
    }

    /// <summary>The journal could not write an admin change (the entity stops; sharding starts it again on the next
    /// message): whoever waits for it, and for any change queued behind it, hears that nothing was applied.</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        RefuseAwaitingChanges(cause);
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        RefuseAwaitingChanges(cause);
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    private void RefuseAwaitingChanges(Exception cause)
    {
        var reason = "not applied: journal write failed: " + (cause.InnerException ?? cause).Message;
        while (_awaitingJournal.TryDequeue(out var waiting))
            waiting.ReplyTo.Tell(new AdminChangeResult(_poolId, waiting.Address, false, reason, _version, JournalFailed: true));
    }

    private PoolState CurrentState() => _model!.ToState(_incarnation, _version, DateTime.UtcNow);

    private void Publish(string reason)
    {
        _version = Math.Max(_version + 1, LastSequenceNr << 32);
        var state = CurrentState();
        _log.Debug("Pool {0}: version {1} ({2}) to {3} nodes", _poolId, _version, reason, _subscribers.Count);
        foreach (var subscriber in _subscribers.Keys) subscriber.Tell(state);
    }

    private void StartProbes()
    {
        if (_model!.Settings.Health is not { } health) return;
        var self = Self;
        foreach (var backend in _model.Settings.Backends)
        {
            // One probe per backend at a time: a slow backend is not probed by a pile of overlapping requests.
            if (!_probing.Add(backend.Address)) continue;
            var address = backend.Address;
            HealthProber.ProbeAsync(backend, health, _tls).ContinueWith(
                t => self.Tell(new ProbeResult(address, t.IsCompletedSuccessfully && t.Result)),
                TaskContinuationOptions.ExecuteSynchronously);
        }
    }

    private sealed record ProbeResult(string Address, bool Passed);

    private sealed record ProbeTick
    {
        public static readonly ProbeTick Instance = new();
    }

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }
}
