using Proxy.Shared.Cluster;

namespace Proxy.Shared.Pools;

/// <summary>Messages for the sharded <c>BackendPool</c> entity (region <c>backend-pool</c>, one entity per pool).</summary>
public interface IBackendPoolCommand : IClusterMessage
{
    /// <summary>The pool id: the entity id of the message.</summary>
    string Pool { get; }
}

/// <summary>
/// A node's PoolAgent asks for the pool's state (the sender is the agent). The entity answers with its
/// <see cref="PoolState"/> unless the agent already holds that incarnation and version, remembers the agent
/// and pushes every later change to it. Agents send it on start and then periodically, which is how a node
/// that missed a push, a new node, or a re-created entity (after a hand-off) catch up.
/// </summary>
public sealed record SubscribePool(string Pool, string Node, string? KnownIncarnation, long KnownVersion) : IBackendPoolCommand;

/// <summary>Outcomes one node saw since its last report, per backend (sent every ~200 ms, at once on a connect failure).</summary>
public sealed record ReportOutcomes(string Pool, string Node, IReadOnlyList<BackendOutcome> Backends) : IBackendPoolCommand;

/// <param name="Successes">Answers below 500.</param>
/// <param name="Failures">Connect failures, timeouts and 5xx answers.</param>
/// <param name="TrailingFailures">Failures after the last success in this batch (all of them when there was none).</param>
/// <param name="LatencyMsSum">Sum of time to response head over the successes and failures that had one.</param>
/// <param name="InFlight">Requests in flight from this node to the backend when the report was made.</param>
/// <param name="LeadingSuccesses">Successes before the first failure in this batch (all of them when there was none): a
/// half-open breaker's trials count in the order they ended. 0 from nodes that predate it (the old rule then applies).</param>
public sealed record BackendOutcome(string Address, int Successes, int Failures, int TrailingFailures, double LatencyMsSum,
    int InFlight, int LeadingSuccesses = 0);

/// <summary>Asks the entity for its current <see cref="PoolState"/> (admin queries).</summary>
public sealed record GetPoolState(string Pool) : IBackendPoolCommand;

/// <summary>Admin: stop sending new requests to a backend (persisted; in-flight requests finish).</summary>
public sealed record DrainBackend(string Pool, string Address) : IBackendPoolCommand;

/// <summary>Admin: undo <see cref="DrainBackend"/> (persisted).</summary>
public sealed record UndrainBackend(string Pool, string Address) : IBackendPoolCommand;

/// <summary>Admin: change a backend's weight (persisted; 0 keeps it out of weighted picks).</summary>
public sealed record SetBackendWeight(string Pool, string Address, int Weight) : IBackendPoolCommand;

/// <summary>The entity's answer to an admin change. <paramref name="JournalFailed"/>: the change was refused by the
/// journal (not applied anywhere), as opposed to refused for its content.</summary>
public sealed record AdminChangeResult(string Pool, string Address, bool Ok, string Message, long Version, bool JournalFailed = false)
    : IClusterMessage;

/// <summary>
/// The pool as the cluster knows it, pushed by the entity to every node's PoolAgent. <paramref name="Incarnation"/>
/// changes when the entity is re-created (hand-off, restart); within one incarnation <paramref name="Version"/>
/// only grows, so an agent applies a state when the incarnation differs or the version is newer.
/// </summary>
public sealed record PoolState(string Pool, string Incarnation, long Version, IReadOnlyList<BackendState> Backends)
    : IClusterMessage
{
    /// <summary>How many backends the picker chooses among for a new request: the usable ones with a weight above 0
    /// or, when none has one, every usable one (every policy falls back to them then).</summary>
    public int PickableCount
    {
        get
        {
            var weighted = Backends.Count(b => b.Usable && b.Weight > 0);
            return weighted > 0 ? weighted : Backends.Count(b => b.Usable);
        }
    }
}

public enum BreakerState { Closed, Open, HalfOpen }

/// <param name="Healthy">Passes active health checks (always true without them).</param>
/// <param name="Ejected">Ejected by outlier detection until the ejection period ends.</param>
/// <param name="InFlight">Sum of the nodes' last reported in-flight requests.</param>
/// <param name="ErrorRate">Failures / requests over the last ~10 s, all nodes.</param>
/// <param name="LatencyMs">Mean time to response head over the last ~10 s, all nodes.</param>
public sealed record BackendState(string Address, bool Healthy, BreakerState Breaker, bool Drained, int Weight, bool Ejected,
    int InFlight, double ErrorRate, double LatencyMs)
{
    /// <summary>Whether nodes may send new requests to it (half-open: a few trials per node).</summary>
    public bool Usable => Healthy && !Drained && !Ejected && Breaker != BreakerState.Open;
}

/// <summary>Events the BackendPool entity persists (admin changes only; health and breakers are re-learned).</summary>
public interface IBackendPoolEvent : IClusterMessage;

public sealed record BackendDrained(string Address) : IBackendPoolEvent;

public sealed record BackendUndrained(string Address) : IBackendPoolEvent;

public sealed record BackendWeightChanged(string Address, int Weight) : IBackendPoolEvent;

/// <summary>Persisted when a pool's entity starts (after recovery): its sequence number is the epoch of the
/// state versions this incarnation publishes, so a version never goes back across hand-offs and restarts.</summary>
public sealed record PoolEntityStarted(string Incarnation) : IBackendPoolEvent;
