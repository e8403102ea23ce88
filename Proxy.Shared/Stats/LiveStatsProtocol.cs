using Proxy.Shared.Cluster;

namespace Proxy.Shared.Stats;

/// <summary>Asks a node's stats agent (<c>/user/stats</c>) for its figures of the last window. Answered with
/// <see cref="LiveStatsSnapshot"/>.</summary>
public sealed record GetLiveStats : IClusterMessage
{
    public static readonly GetLiveStats Instance = new();
}

/// <summary>One node's requests per route and upstream attempts per backend over its last <paramref name="WindowSeconds"/>
/// whole seconds, with latency counts in <see cref="Admin.LatencyBuckets"/> (so nodes' figures add up).</summary>
public sealed record LiveStatsSnapshot(string Node, int WindowSeconds, IReadOnlyList<SeriesCounts> Routes, IReadOnlyList<SeriesCounts> Backends)
    : IClusterMessage;

/// <summary>A route (<paramref name="Pool"/> empty) or a backend of a pool: requests, failed ones (5xx or the node's own
/// error), and the latency counts as parallel lists of bucket index and count (only buckets with counts).</summary>
public sealed record SeriesCounts(string Name, string Pool, long Requests, long Errors, IReadOnlyList<int> Buckets, IReadOnlyList<long> Counts);
