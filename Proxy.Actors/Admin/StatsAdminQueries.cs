using Akka.Actor;
using Proxy.Actors.Metrics;
using Proxy.Shared.Admin;
using Proxy.Shared.Stats;

namespace Proxy.Actors.Admin;

/// <summary>
/// <c>pbm stats</c> (and <c>pbm top</c>, which asks again every refresh): every Up member's <see cref="LiveStats"/> window,
/// added up per route and per backend — requests/s, error %, p50 and p99 from the merged latency counts, so the
/// percentiles are the cluster's, not an average of the nodes'. Members that do not answer are named.
/// </summary>
public sealed class StatsAdminQueries(ActorSystem system, TimeSpan timeout)
{
    public async Task<AdminResult> StatsAsync()
    {
        var answers = await MemberFanOut.AskEveryUpMemberAsync<LiveStatsSnapshot>(system, LiveStatsAgent.Name, GetLiveStats.Instance, timeout)
            .ConfigureAwait(false);
        var snapshots = answers.Where(a => a.Answer is not null).Select(a => a.Answer!).ToList();
        var window = LiveStats.WindowSeconds;
        return new AdminResult(200, new StatsView(window,
            Merge(snapshots.SelectMany(s => s.Routes), window, route: true),
            Merge(snapshots.SelectMany(s => s.Backends), window, route: false),
            snapshots.Select(s => s.Node).Order(StringComparer.Ordinal).ToList(),
            answers.Where(a => a.Answer is null).Select(a => a.Member.ToString()).Order(StringComparer.Ordinal).ToList()));
    }

    private static List<StatsRow> Merge(IEnumerable<SeriesCounts> series, int window, bool route) => series
        .GroupBy(s => (s.Pool, s.Name))
        .Select(g =>
        {
            var counts = new long[LatencyBuckets.Count];
            foreach (var s in g)
                for (var i = 0; i < s.Buckets.Count; i++)
                    if ((uint)s.Buckets[i] < (uint)counts.Length) counts[s.Buckets[i]] += s.Counts[i];
            var requests = g.Sum(s => s.Requests);
            var errors = g.Sum(s => s.Errors);
            return new StatsRow(g.Key.Name, route ? null : g.Key.Pool, requests, Math.Round((double)requests / window, 1),
                requests == 0 ? 0 : Math.Round(100.0 * errors / requests, 2), LatencyBuckets.Quantile(counts, 0.5), LatencyBuckets.Quantile(counts, 0.99));
        })
        .OrderBy(r => r.Pool, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)
        .ToList();
}
