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

    /// <summary>Ready for traffic: listeners bound, cluster member Up, not stopping.</summary>
    public bool Ready => _listenersBound && _memberUp && !_stopping;
}
