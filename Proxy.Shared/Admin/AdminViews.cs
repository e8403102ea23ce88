using System.Text.Json;
using System.Text.Json.Serialization;

namespace Proxy.Shared.Admin;

// The JSON documents of the admin API (/api/...), which `pbm --json` prints as they come. Property names are
// camelCase (AdminJson.Options); the shapes are part of the CLI's contract and locked by Proxy.Tests/Admin.

/// <summary>Every error of the admin API: <c>{"error":"…"}</c> with a 4xx/5xx status.</summary>
public sealed record ErrorView(string Error);

/// <summary><c>cluster show</c>: the members as this node sees them.</summary>
public sealed record MemberList(IReadOnlyList<MemberView> Members);

/// <param name="Address">Full Akka address, e.g. <c>akka.tcp://proxy@127.0.0.1:4053</c>.</param>
/// <param name="Status">Joining, WeaklyUp, Up, Leaving, Exiting, Down or Removed.</param>
/// <param name="Reachable">False when this node's failure detector marks it unreachable.</param>
public sealed record MemberView(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable, bool Leader, bool Self);

/// <summary>Answer of <c>cluster leave|down|join</c>: the request was handed to the cluster (it completes asynchronously).</summary>
public sealed record MemberCommandView(string Command, string Address, string Message);

/// <summary><c>cluster sharding regions</c>: the shard type names started on this node.</summary>
public sealed record RegionList(IReadOnlyList<string> Regions);

/// <summary><c>cluster sharding region-stats TYPE</c>: shards and entities per region (node) of one type.</summary>
public sealed record RegionStatsView(string Type, IReadOnlyList<RegionStatsEntry> Regions, IReadOnlyList<string> Failed);

public sealed record RegionStatsEntry(string Address, int Shards, int Entities);

/// <summary><c>cluster sharding shard-stats TYPE</c>: every shard of one type, where it lives and its entity count.</summary>
public sealed record ShardStatsView(string Type, IReadOnlyList<ShardStatsEntry> Shards, IReadOnlyList<string> Failed);

public sealed record ShardStatsEntry(string Shard, string Address, int Entities);

/// <summary><c>routes</c>: the routes in match order.</summary>
public sealed record RouteList(IReadOnlyList<RouteView> Routes);

/// <param name="Match">The conditions in short form ("host api.example.com, path-prefix /v1/"), "*" for none.</param>
/// <param name="Pool">The route's pool; null when it splits (see <paramref name="Split"/>).</param>
/// <param name="Split">R2: the pools with their weights and shares in percent; empty when the route has one pool.</param>
/// <param name="SplitKey">What keeps a client on one side (client-ip, header:NAME, cookie:NAME); null = drawn per request.</param>
/// <param name="Middleware">The route's middleware in the order it runs (request-id, access, auth:api-keys, …).</param>
public sealed record RouteView(string Name, string Match, string? Pool, IReadOnlyList<SplitView> Split, string? SplitKey,
    IReadOnlyList<string> Middleware);

public sealed record SplitView(string Pool, int Weight, double Percent);

/// <summary><c>pools</c>.</summary>
public sealed record PoolList(IReadOnlyList<PoolSummary> Pools);

/// <param name="Version">The entity's state version (0 when the pool did not answer in time and this node has none).</param>
/// <param name="Available">Backends the picker would choose for a new request (<see cref="Proxy.Shared.Pools.PoolState.PickableCount"/>).</param>
/// <param name="Stale">Set when the entity did not answer (it is moving after its node left or failed) and the
/// figures are the last state this node received: "entity moving, last known state …". Absent otherwise.</param>
public sealed record PoolSummary(string Pool, string Policy, long Version, int Backends, int Available, bool Answered,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Stale = null);

/// <summary><c>pool ID</c>.</summary>
/// <param name="Stale">As in <see cref="PoolSummary"/>: the answering node's last known state while the entity moves.</param>
public sealed record PoolView(string Pool, string Policy, long Version, IReadOnlyList<BackendView> Backends,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Stale = null);

/// <param name="Healthy">The active health check's verdict; true when the pool has no active check.</param>
/// <param name="Health">up or down by the active health check; unknown when the pool has none (failures then show
/// in Breaker and Ejected).</param>
/// <param name="Breaker">closed, open or half-open.</param>
/// <param name="ErrorRate">Failures / requests over the last ~10 s, all nodes (0–1).</param>
/// <param name="LatencyMs">Mean time to response head over the last ~10 s, all nodes.</param>
public sealed record BackendView(string Address, bool Healthy, string Health, string Breaker, bool Drained, int Weight, int InFlight,
    double ErrorRate, double LatencyMs, bool Ejected);

/// <summary>Answer of <c>drain</c>, <c>undrain</c>, <c>weight</c>.</summary>
public sealed record ChangeView(bool Ok, string Pool, string Backend, string Message, long Version);

public static class AdminJson
{
    /// <summary>Web defaults: camelCase names, case-insensitive reading.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

/// <summary><c>limits</c>: every rate limit with its cluster-wide decision counts.</summary>
/// <param name="Unanswered">Members whose counters did not arrive in time (their counts are missing from the sums).</param>
public sealed record LimitList(IReadOnlyList<LimitSummary> Limits, IReadOnlyList<string> Unanswered);

/// <param name="Keys">Keys with lease state on the nodes now (summed over nodes).</param>
public sealed record LimitSummary(string Name, string Rate, long Burst, string Store, string OnStoreFailure, long Keys, long Allowed,
    long Rejected);

/// <summary><c>limit NAME KEY</c>: the key's bucket and the nodes holding leases on it.</summary>
public sealed record LimitKeyView(string Limit, string Key, long Remaining, long Burst, IReadOnlyList<string> LeaseHolders);
