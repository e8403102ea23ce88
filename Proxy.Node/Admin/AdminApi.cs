using Proxy.Actors.Admin;

namespace Proxy.Node.Admin;

/// <summary>
/// What the admin routes call: the node's cluster and pool queries, attached once its ActorSystem runs. The
/// admin listener binds before the actors start (so a taken port fails the start early) and answers
/// 503 until then.
/// </summary>
public sealed class AdminApi
{
    private volatile Attached? _attached;

    public sealed record Attached(ClusterAdminQueries Cluster, PoolAdminQueries Pools, LimitAdminQueries Limits,
        RouteAdminQueries Routes, ConfigAdminQueries Config, NodeStatusQuery Status, StatsAdminQueries Stats,
        Proxy.Actors.Logging.AccessLog AccessLog, CacheAdminQueries Cache);

    public Attached? Current => _attached;

    public void Attach(Attached queries) => _attached = queries;
}
