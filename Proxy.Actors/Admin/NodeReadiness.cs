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

    /// <summary>Ready for traffic: listeners bound, cluster member Up, every pool's cluster state applied, not stopping.</summary>
    public bool Ready => _listenersBound && _memberUp && ClusterState?.HasAllState != false && !_stopping;

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
            return null;
        }
    }
}
