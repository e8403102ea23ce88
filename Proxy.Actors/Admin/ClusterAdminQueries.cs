using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Proxy.Shared.Admin;

namespace Proxy.Actors.Admin;

/// <summary>
/// The cluster palette of the admin API (as <c>pbm cluster …</c> and <c>pbm cluster sharding …</c>): membership
/// as this node sees it and its events as they happen, leave/down/join, sharding statistics gathered from every
/// region of a type, and the node's actor tree (<c>pbm actor hierarchy</c>).
/// </summary>
public sealed class ClusterAdminQueries(ActorSystem system, TimeSpan timeout)
{
    private Cluster Cluster => Cluster.Get(system);

    /// <summary><c>pbm actor hierarchy</c>: this node's actor tree.</summary>
    public ActorHierarchyQuery Actors { get; } = new(system);

    /// <summary><c>pbm cluster tail</c>: this node's view of membership and reachability, then every change, until the
    /// subscription is disposed.</summary>
    public ClusterEventSubscription SubscribeEvents() => ClusterEventSubscription.Open(system);

    public AdminResult Members()
    {
        var state = Cluster.State;
        var self = Cluster.SelfAddress;
        var members = state.Members
            .OrderBy(m => m.Address.Host, StringComparer.Ordinal).ThenBy(m => m.Address.Port)
            .Select(m => new MemberView(m.Address.ToString(), m.Status.ToString(), m.Roles.Order(StringComparer.Ordinal).ToList(),
                !state.Unreachable.Contains(m), m.Address.Equals(state.Leader), m.Address.Equals(self)))
            .ToList();
        return new AdminResult(200, new MemberList(members));
    }

    /// <summary>Asks the member to leave gracefully (it hands off its shards, then shuts down).</summary>
    public AdminResult Leave(string? address) => ForMember("leave", address, a =>
    {
        // Say what will happen: the last member ends the cluster, and the node answering may be the one leaving.
        var last = Cluster.State.Members.Count(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining) <= 1;
        var self = a.Equals(Cluster.SelfAddress);
        Cluster.Leave(a);
        return last
            ? "leave requested; it is the last member: the cluster ends and this node exits (nothing is served until a node starts again)"
            : self
                ? "leave requested; this node (the one answering) hands off its shards and exits"
                : "leave requested; the member hands off its shards and exits";
    });

    /// <summary>Marks the member as down (use for a node that is gone and will not leave by itself).</summary>
    public AdminResult Down(string? address) => ForMember("down", address, a =>
    {
        Cluster.Down(a);
        return "member marked down; it will be removed";
    });

    /// <summary>Joins this node to the cluster of the node at <paramref name="address"/>; refused (409) when this node
    /// is already a member of a cluster, where Akka would ignore the join.</summary>
    public AdminResult Join(string? address)
    {
        if (!TryParse(address, out var target, out var error)) return new AdminResult(400, new ErrorView(error));
        if (Cluster.SelfMember.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining)
        {
            var with = Cluster.State.Members.Any(m => m.Address.Equals(target)) ? $" with {target}" : "";
            return new AdminResult(409, new ErrorView(
                $"this node is already a member of a cluster{with} ({Cluster.State.Members.Count} members); a node joins " +
                "another cluster only after it has left it and restarted, so nothing was done"));
        }
        Cluster.Join(target);
        return new AdminResult(202, new MemberCommandView("join", target.ToString(), "join requested; see cluster show"));
    }

    public AdminResult Regions() =>
        new(200, new RegionList(ClusterSharding.Get(system).ShardTypeNames.Order(StringComparer.Ordinal).ToList()));

    public async Task<AdminResult> RegionStatsAsync(string type)
    {
        var (error, stats) = await StatsAsync(type).ConfigureAwait(false);
        if (error is not null) return error;
        var regions = stats!.Regions
            .OrderBy(r => r.Key.ToString(), StringComparer.Ordinal)
            .Select(r => new RegionStatsEntry(r.Key.ToString(), r.Value.Stats.Count, r.Value.Stats.Values.Sum()))
            .ToList();
        return new AdminResult(200, new RegionStatsView(type, regions, FailedShards(stats)));
    }

    public async Task<AdminResult> ShardStatsAsync(string type)
    {
        var (error, stats) = await StatsAsync(type).ConfigureAwait(false);
        if (error is not null) return error;
        var shards = stats!.Regions
            .SelectMany(r => r.Value.Stats.Select(s => new ShardStatsEntry(s.Key, r.Key.ToString(), s.Value)))
            .OrderBy(s => s.Shard.Length).ThenBy(s => s.Shard, StringComparer.Ordinal)
            .ToList();
        return new AdminResult(200, new ShardStatsView(type, shards, FailedShards(stats)));
    }

    private async Task<(AdminResult? Error, ClusterShardingStats? Stats)> StatsAsync(string type)
    {
        var sharding = ClusterSharding.Get(system);
        if (!sharding.ShardTypeNames.Contains(type))
            return (new AdminResult(404, new ErrorView($"no shard region of type '{type}' on this node")), null);
        try
        {
            var region = sharding.ShardRegion(type);
            var stats = await region.Ask<ClusterShardingStats>(new GetClusterShardingStats(timeout), timeout + timeout)
                .ConfigureAwait(false);
            return (null, stats);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return (new AdminResult(504, new ErrorView($"regions of '{type}' did not answer within {timeout.TotalSeconds:0} s")), null);
        }
    }

    private static List<string> FailedShards(ClusterShardingStats stats) =>
        stats.Regions.SelectMany(r => r.Value.Failed).Order(StringComparer.Ordinal).ToList();

    private AdminResult ForMember(string command, string? address, Func<Address, string> act)
    {
        if (!TryParse(address, out var target, out var error)) return new AdminResult(400, new ErrorView(error));
        if (!Cluster.State.Members.Any(m => m.Address.Equals(target)))
            return new AdminResult(404, new ErrorView($"{target} is not a member of this cluster (see cluster show)"));
        return new AdminResult(202, new MemberCommandView(command, target.ToString(), act(target)));
    }

    /// <summary>Accepts a full address (<c>akka.tcp://proxy@host:port</c>) or <c>host:port</c> within this system.</summary>
    private bool TryParse(string? text, out Address address, out string error)
    {
        address = Address.AllSystems;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "missing query parameter 'address' (akka.tcp://proxy@host:port or host:port)";
            return false;
        }
        text = text.Trim();
        if (text.Contains("://", StringComparison.Ordinal))
        {
            if (Address.TryParse(text, out var parsed) && parsed.Host is not null && parsed.Port is > 0)
            {
                if (parsed.System != system.Name)
                {
                    error = $"address '{text}' names actor system '{parsed.System}', this cluster is '{system.Name}'";
                    return false;
                }
                address = parsed;
                return true;
            }
            error = $"address '{text}' is not an Akka address such as akka.tcp://{system.Name}@127.0.0.1:4053";
            return false;
        }
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"address '{text}' must be akka.tcp://{system.Name}@host:port or host:port with a port from 1 to 65535";
            return false;
        }
        var host = text[..colon].Trim('[', ']');
        address = new Address(Cluster.SelfAddress.Protocol, system.Name, host, port);
        return true;
    }
}
