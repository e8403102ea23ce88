namespace Proxy.Actors.Admin;

/// <summary>What the admin endpoint reports: set by the node as it starts and stops.</summary>
public sealed class NodeReadiness
{
    private volatile bool _listenersBound;
    private volatile bool _memberUp;
    private volatile bool _stopping;

    public bool ListenersBound { get => _listenersBound; set => _listenersBound = value; }
    public bool MemberUp { get => _memberUp; set => _memberUp = value; }
    public bool Stopping { get => _stopping; set => _stopping = value; }

    /// <summary>Serving traffic (health): not yet shutting down.</summary>
    public bool Healthy => !_stopping;

    /// <summary>Whether every pool has its state from the cluster (null: no pools to wait for).</summary>
    public Pools.ClusterStateGate? ClusterState { get; set; }

    private volatile ConfigRevisions.NodeConfigState? _config;

    /// <summary>O6: the node's config standing, kept by its config agent (null: no agent, nothing to wait for).</summary>
    public ConfigRevisions.NodeConfigState? Config { get => _config; set => _config = value; }

    /// <summary>Ready for traffic: listeners bound, cluster member Up, every pool's cluster state applied, the cluster's
    /// config revision running, not stopping.</summary>
    public bool Ready => _listenersBound && _memberUp && ClusterState?.HasAllState != false && _config?.Current != false && !_stopping;

    /// <summary>Why the node is not ready, for <c>/ready</c>'s body; null when it is.</summary>
    public string? NotReadyReason
    {
        get
        {
            if (_stopping) return "shutting down";
            if (!_listenersBound) return "listeners not started";
            if (!_memberUp) return "not an Up cluster member";
            if (ClusterState is { HasAllState: false } gate)
                return "no cluster state yet for pool(s) " + string.Join(", ", gate.Missing) +
                       (gate.Open.IsCompleted ? " (serving with the config's defaults)" : " (listeners wait for it)");
            if (_config is { Current: false } config)
                return config.Latest is not { } latest ? "the cluster's config revision not known yet"
                    : config.Rejected is { } rejected ? $"config revision {rejected.Revision} rejected: " + string.Join("; ", rejected.Problems)
                    : $"config revision {latest} not applied yet";
            return null;
        }
    }
}
