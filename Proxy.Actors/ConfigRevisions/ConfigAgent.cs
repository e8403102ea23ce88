using Akka.Actor;
using Akka.Event;
using Proxy.Shared.Configuration;
using Proxy.Shared.ConfigRevisions;

namespace Proxy.Actors.ConfigRevisions;

/// <summary>How a node checks and takes a config revision (the node's own files, environment and runtime).</summary>
public interface IConfigRevisionApplier
{
    /// <summary>Every problem this node finds in <paramref name="text"/> as it would run it; nothing changes.</summary>
    IReadOnlyList<ConfigProblem> Verify(string text);

    /// <summary>Validates <paramref name="revision"/> and swaps the node's snapshot to it at once, or changes nothing and
    /// returns why.</summary>
    IReadOnlyList<ConfigProblem> Apply(ConfigRevision revision);
}

/// <summary>
/// O6: the node's end of the cluster's config revisions (one per node, <c>/user/config-agent</c>). Registers with the
/// <see cref="ConfigRevisionStore"/> (through the singleton proxy) on start and every couple of seconds with the revision
/// it runs; applies each newer revision it is given through the node's <see cref="IConfigRevisionApplier"/>, or keeps
/// its revision, and reports either way. A node whose file differs from the cluster's latest revision takes the
/// revision (and logs that it did): the cluster, not the file, is the authority once a revision exists.
/// </summary>
public sealed class ConfigAgent : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan SubscribeInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan SilenceWarning = TimeSpan.FromSeconds(30);

    private readonly IActorRef _store;
    private readonly IConfigRevisionApplier _applier;
    private readonly string _node;
    private readonly Action<NodeConfigState> _onChange;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private NodeConfigState _state = NodeConfigState.Initial;
    private DateTime _lastHeard = DateTime.UtcNow;
    private bool _warnedSilence;

    /// <param name="onChange">Told each time the node's standing changes (readiness, status, metrics read it).</param>
    public ConfigAgent(IActorRef store, IConfigRevisionApplier applier, string node, Action<NodeConfigState> onChange)
    {
        _store = store;
        _applier = applier;
        _node = node;
        _onChange = onChange;
        Receive<ConfigRevisionNotice>(OnNotice);
        Receive<Resubscribe>(_ =>
        {
            if (!_warnedSilence && DateTime.UtcNow - _lastHeard > SilenceWarning)
            {
                _warnedSilence = true;
                _log.Warning("The cluster's config store has not answered for {0} s (it runs on the oldest member); this node keeps " +
                             "running {1} and /ready waits for it", (int)SilenceWarning.TotalSeconds,
                    _state.Running == 0 ? "its config file" : "revision " + _state.Running);
            }
            Subscribe();
        });
        Receive<GetNodeConfigState>(_ => Sender.Tell(_state));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef store, IConfigRevisionApplier applier, string node, Action<NodeConfigState> onChange) =>
        Akka.Actor.Props.Create(() => new ConfigAgent(store, applier, node, onChange));

    protected override void PreStart()
    {
        _onChange(_state);
        Timers.StartPeriodicTimer("subscribe", Resubscribe.Instance, SubscribeInterval);
        Subscribe();
    }

    private void Subscribe() => _store.Tell(new SubscribeConfig(_node, _state.Running));

    private void OnNotice(ConfigRevisionNotice notice)
    {
        _lastHeard = DateTime.UtcNow;
        if (_warnedSilence)
        {
            _warnedSilence = false;
            _log.Info("The cluster's config store answers again (latest revision {0})", notice.Latest);
        }
        var state = _state with { Latest = Math.Max(_state.Latest ?? 0, notice.Latest) };
        if (notice.Revision is { } revision && revision.Number > state.Running && revision.Number != state.Rejected?.Revision)
        {
            var problems = _applier.Apply(revision);
            var outcome = new ConfigRevisionOutcome(_node, revision.Number, problems.Count == 0,
                problems.Count == 0 ? revision.Number : state.Running, problems, DateTime.UtcNow);
            if (outcome.Applied)
            {
                if (state.Running == 0)
                    _log.Info("Running the cluster's config revision {0} ({1}, stored {2:u}) in place of this node's config file",
                        revision.Number, revision.Source, revision.StoredAt);
                else
                    _log.Info("Config revision {0} applied ({1})", revision.Number, revision.Source);
                state = state with { Running = revision.Number, Rejected = null };
            }
            else
            {
                _log.Warning("Config revision {0} ({1}) rejected; still running {2}: {3}", revision.Number, revision.Source,
                    state.Running == 0 ? "this node's config file" : "revision " + state.Running, string.Join("; ", problems));
                state = state with { Rejected = outcome };
            }
            _store.Tell(outcome);
        }
        if (state == _state) return;
        _state = state;
        _onChange(state);
    }

    private sealed record Resubscribe
    {
        public static readonly Resubscribe Instance = new();
    }
}

/// <summary>Asks the node's <see cref="ConfigAgent"/> for its <see cref="NodeConfigState"/>.</summary>
public sealed record GetNodeConfigState
{
    public static readonly GetNodeConfigState Instance = new();
}

/// <summary>A node's config standing.</summary>
/// <param name="Running">The revision the node runs (0: its own config file).</param>
/// <param name="Latest">The cluster's latest revision as last heard (null: the store has not answered yet).</param>
/// <param name="Rejected">The node's answer to the latest revision it could not take, while it runs an older one.</param>
public sealed record NodeConfigState(long Running, long? Latest, ConfigRevisionOutcome? Rejected)
{
    public static readonly NodeConfigState Initial = new(0, null, null);

    /// <summary>The node runs the cluster's latest revision (or the cluster has none and it runs its file).</summary>
    public bool Current => Latest is { } latest && Running >= latest;
}
