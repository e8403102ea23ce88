using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Proxy.Actors.Connections;
using Proxy.Shared.Admin;

namespace Proxy.Actors.Admin;

/// <summary><c>GET /api/status</c>: this node's version, uptime, readiness, config revision, listeners with their open
/// connections, and the cluster's members by status as the node sees them.</summary>
public sealed class NodeStatusQuery(ActorSystem system, ProxyRuntime runtime, NodeReadiness readiness,
    Func<IReadOnlyDictionary<string, IPEndPoint>> listeners)
{
    private static readonly string Version = typeof(NodeStatusQuery).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public AdminResult Status()
    {
        var cluster = Cluster.Get(system);
        var snapshot = runtime.Current;
        var views = snapshot.Settings.Listeners.Select(l => new ListenerStatusView(l.Name,
                listeners().TryGetValue(l.Name, out var bound) ? bound.ToString() : l.Address, l.Mode.ToString().ToLowerInvariant(),
                runtime.ConnectionMetrics.OpenConnections(l.Name)))
            .ToList();
        var members = cluster.State.Members.GroupBy(m => m.Status)
            .Select(g => new MemberStatusCount(g.Key.ToString(), g.Count()))
            .OrderBy(m => m.Status, StringComparer.Ordinal).ToList();
        return new AdminResult(200, new NodeStatusView(cluster.SelfAddress.ToString(), Version, Math.Round(system.Uptime.TotalSeconds, 1), readiness.Ready,
            readiness.NotReadyReason, snapshot.Revision, readiness.Config?.Latest, views, members));
    }
}
