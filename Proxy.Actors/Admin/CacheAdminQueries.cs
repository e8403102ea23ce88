using Akka.Actor;
using Proxy.Actors.Caching;
using Proxy.Shared.Admin;
using Proxy.Shared.Caching;

namespace Proxy.Actors.Admin;

/// <summary>
/// E5's admin: <c>pbm cache stats</c> (every Up member's stores, per node and added up per route) and
/// <c>pbm cache purge</c> (the purge carried out by every Up member's cache agent, each one's acknowledgement
/// reported; a member that does not answer in time makes the answer 504, naming it).
/// </summary>
public sealed class CacheAdminQueries(ActorSystem system, TimeSpan timeout)
{
    public async Task<AdminResult> StatsAsync()
    {
        var answers = await MemberFanOut.AskEveryUpMemberAsync<CacheStatsSnapshot>(system, CacheAgent.Name, GetCacheStats.Instance, timeout)
            .ConfigureAwait(false);
        var rows = answers.Where(a => a.Answer is not null)
            .SelectMany(a => a.Answer!.Routes.Select(r => Row(a.Answer.Node, r.Route, r.Entries, r.Bytes, r.Hits, r.Misses, r.Stale, r.Coalesced,
                r.FromOwner)))
            .OrderBy(r => r.Node, StringComparer.Ordinal).ThenBy(r => r.Route, StringComparer.Ordinal)
            .ToList();
        var totals = rows.GroupBy(r => r.Route, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Row(null, g.Key, g.Sum(r => r.Entries), g.Sum(r => r.Bytes), g.Sum(r => r.Hits), g.Sum(r => r.Misses),
                g.Sum(r => r.Stale), g.Sum(r => r.Coalesced), g.Sum(r => r.FromOwner)))
            .ToList();
        var owners = answers.Where(a => a.Answer is not null).Select(a => new CacheOwnersView(a.Answer!.Node, a.Answer.Owners))
            .OrderBy(o => o.Node, StringComparer.Ordinal).ToList();
        return new AdminResult(200, new CacheStatsView(rows, totals, Unanswered(answers), owners));
    }

    /// <summary>Exactly one of <paramref name="url"/> (absolute, or a path for every host), <paramref name="prefix"/>
    /// (a path prefix) and <paramref name="tag"/>.</summary>
    public async Task<AdminResult> PurgeAsync(string? url, string? prefix, string? tag)
    {
        var given = (url is null ? 0 : 1) + (prefix is null ? 0 : 1) + (tag is null ? 0 : 1);
        if (given != 1) return new AdminResult(400, new ErrorView("give exactly one of url, prefix or tag"));
        if (url is not null && !url.StartsWith('/') && !(Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https"))
            return new AdminResult(400, new ErrorView($"not a URL: '{url}' (write http://host/path or /path)"));
        if (prefix is not null && !prefix.StartsWith('/')) return new AdminResult(400, new ErrorView($"not a path prefix: '{prefix}' (write /static/)"));
        if (tag is { Length: 0 }) return new AdminResult(400, new ErrorView("empty tag"));
        var (status, view) = await PurgeEverywhereAsync(new PurgeCache(url, prefix, tag)).ConfigureAwait(false);
        return new AdminResult(status, view);
    }

    /// <summary>Carries <paramref name="purge"/> out on every Up member: 200 with each one's acknowledgement, 504 when a
    /// member did not answer in time (named). Also what an HTTP PURGE runs.</summary>
    public async Task<(int Status, CachePurgeView View)> PurgeEverywhereAsync(PurgeCache purge)
    {
        var answers = await MemberFanOut.AskEveryUpMemberAsync<CachePurged>(system, CacheAgent.Name, purge, timeout).ConfigureAwait(false);
        var acks = answers.Where(a => a.Answer is not null).Select(a => new CachePurgeAck(a.Answer!.Node, a.Answer.Removed))
            .OrderBy(a => a.Node, StringComparer.Ordinal).ToList();
        var unanswered = Unanswered(answers);
        var what = purge.Url is { } url ? "url " + url : purge.Prefix is { } prefix ? "prefix " + prefix : "tag " + purge.Tag;
        return (unanswered.Count == 0 ? 200 : 504, new CachePurgeView(what, acks, unanswered));
    }

    private static CacheStatsRow Row(string? node, string route, long entries, long bytes, long hits, long misses, long stale, long coalesced,
        long fromOwner)
    {
        var requests = hits + misses + stale + coalesced;
        return new CacheStatsRow(node, route, entries, bytes, hits, misses, stale, coalesced, fromOwner,
            requests == 0 ? 0 : Math.Round((double)(hits + coalesced) / requests, 4));
    }

    private static List<string> Unanswered<T>(IReadOnlyList<(Address Member, T? Answer)> answers) where T : class =>
        answers.Where(a => a.Answer is null).Select(a => a.Member.ToString()).Order(StringComparer.Ordinal).ToList();
}
