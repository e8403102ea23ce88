using Akka.Actor;
using Akka.Cluster;
using Prometheus;
using Proxy.Actors.Connections;
using Proxy.Actors.Pools;
using Proxy.Shared.Pools;

namespace Proxy.Actors.Metrics;

/// <summary>
/// O3: the cluster as this node sees it, read when Prometheus scrapes (nothing is updated on the request path):
/// per backend <c>proxy_backend_healthy</c>, <c>proxy_backend_breaker_state{state}</c> (1 for the current state),
/// <c>proxy_backend_drained</c> and <c>proxy_upstream_connections{state=idle|active}</c>, and
/// <c>proxy_cluster_members{status}</c>. Backends the cluster has not reported on yet have no health series.
/// </summary>
public sealed class NodeStateMetrics
{
    private static readonly (BreakerState State, string Label)[] BreakerStates =
        [(BreakerState.Closed, "closed"), (BreakerState.Open, "open"), (BreakerState.HalfOpen, "half_open")];

    private static readonly (MemberStatus Status, string Label)[] MemberStatuses =
    [
        (MemberStatus.Joining, "joining"), (MemberStatus.WeaklyUp, "weakly_up"), (MemberStatus.Up, "up"),
        (MemberStatus.Leaving, "leaving"), (MemberStatus.Exiting, "exiting"), (MemberStatus.Down, "down"),
    ];

    private readonly Func<RuntimeSnapshot> _current;
    private readonly Gauge _revision;
    private HashSet<(string Pool, string Backend)> _reported = [];
    private readonly Gauge _healthy;
    private readonly Gauge _breaker;
    private readonly Gauge _drained;
    private readonly Gauge _connections;
    private readonly Gauge _members;
    private readonly Gauge _unreachable;
    private Cluster? _cluster;

    /// <param name="current">The node's current snapshot: its pools and config revision.</param>
    public NodeStateMetrics(CollectorRegistry registry, Func<RuntimeSnapshot> current)
    {
        _current = current;
        var metrics = Prometheus.Metrics.WithCustomRegistry(registry);
        _healthy = metrics.CreateGauge("proxy_backend_healthy", "1 when the backend passes its health checks, as the cluster reports.",
            new GaugeConfiguration { LabelNames = ["pool", "backend"] });
        _breaker = metrics.CreateGauge("proxy_backend_breaker_state", "The backend's circuit breaker: 1 for its current state.",
            new GaugeConfiguration { LabelNames = ["pool", "backend", "state"] });
        _drained = metrics.CreateGauge("proxy_backend_drained", "1 when the backend is drained (no new requests).",
            new GaugeConfiguration { LabelNames = ["pool", "backend"] });
        _connections = metrics.CreateGauge("proxy_upstream_connections", "This node's connections to the backend, idle in its pool or in use.",
            new GaugeConfiguration { LabelNames = ["pool", "backend", "state"] });
        _members = metrics.CreateGauge("proxy_cluster_members", "Cluster members by status, as this node sees them.",
            new GaugeConfiguration { LabelNames = ["status"] });
        _unreachable = metrics.CreateGauge("proxy_cluster_unreachable_members", "Cluster members this node cannot reach.");
        _revision = metrics.CreateGauge("proxy_config_revision", "The cluster config revision this node runs (0: its own config file, no revision yet).");
        registry.AddBeforeCollectCallback(Update);
    }

    /// <summary>The actor system whose cluster membership is reported.</summary>
    public void Attach(ActorSystem system) => _cluster = Cluster.Get(system);

    private void Update()
    {
        var snapshot = _current();
        _revision.Set(snapshot.Revision);
        var reported = new HashSet<(string Pool, string Backend)>();
        foreach (var (name, pool) in snapshot.Pools)
        {
            foreach (var backend in pool.Backends)
            {
                var address = backend.Address;
                reported.Add((name, address));
                var open = backend.Connections.Open;
                var idle = backend.Connections.Idle;
                _connections.WithLabels(name, address, "idle").Set(idle);
                _connections.WithLabels(name, address, "active").Set(Math.Max(0, open - idle));
                if (backend.ClusterState is not { } state) continue;
                _healthy.WithLabels(name, address).Set(state.Healthy ? 1 : 0);
                _drained.WithLabels(name, address).Set(state.Drained ? 1 : 0);
                foreach (var (breaker, label) in BreakerStates)
                    _breaker.WithLabels(name, address, label).Set(state.Breaker == breaker ? 1 : 0);
            }
        }
        // A backend or pool that a config revision removed leaves no series behind.
        foreach (var (pool, backend) in _reported)
        {
            if (reported.Contains((pool, backend))) continue;
            _connections.RemoveLabelled(pool, backend, "idle");
            _connections.RemoveLabelled(pool, backend, "active");
            _healthy.RemoveLabelled(pool, backend);
            _drained.RemoveLabelled(pool, backend);
            foreach (var (_, label) in BreakerStates) _breaker.RemoveLabelled(pool, backend, label);
        }
        _reported = reported;
        if (_cluster is not { } cluster) return;
        var members = cluster.State.Members;
        foreach (var (status, label) in MemberStatuses)
            _members.WithLabels(label).Set(members.Count(m => m.Status == status));
        _unreachable.Set(cluster.State.Unreachable.Count);
    }
}
