using Akka.Actor;
using Akka.Cluster;
using Proxy.Actors.Limits;
using Proxy.Shared.Admin;
using Proxy.Shared.Configuration;
using Proxy.Shared.RateLimiting;

namespace Proxy.Actors.Admin;

/// <summary>
/// The limits palette of the admin API (<c>pbm limits</c>, <c>pbm limit NAME KEY</c>): counters are asked from
/// every Up member's limiter and summed (a member that does not answer in time is named, not guessed); a
/// key's bucket comes from its RateLimiter entity.
/// </summary>
public sealed class LimitAdminQueries(ActorSystem system, Func<ProxySettings> current, IActorRef region, TimeSpan timeout)
{
    /// <summary>The limits of the node's current config revision.</summary>
    private ProxySettings Settings => current();

    public async Task<AdminResult> ListAsync()
    {
        var answers = await MemberFanOut.AskEveryUpMemberAsync<LimiterStats>(system, "limiter", GetLimiterStats.Instance, timeout)
            .ConfigureAwait(false);
        var counters = answers.Where(a => a.Answer is not null).SelectMany(a => a.Answer!.Limits)
            .GroupBy(c => c.Limit).ToDictionary(g => g.Key, g => (Allowed: g.Sum(c => c.Allowed), Rejected: g.Sum(c => c.Rejected), Keys: g.Sum(c => (long)c.Keys)));
        var limits = Settings.RateLimits.Select(l =>
        {
            var c = counters.GetValueOrDefault(l.Name);
            return new LimitSummary(l.Name, l.Rate.ToString(), l.Burst, l.Store == RateLimitStore.Cluster ? "cluster" : "redis",
                l.OnStoreFailure == StoreFailureMode.Allow ? "allow" : "deny", c.Keys, c.Allowed, c.Rejected);
        }).ToList();
        var unanswered = answers.Where(a => Settings.RateLimits.Count > 0 && a.Answer is null).Select(a => a.Member.ToString()).ToList();
        return new AdminResult(200, new LimitList(limits, unanswered));
    }

    public async Task<AdminResult> GetAsync(string name, string? key)
    {
        var limit = Settings.RateLimits.FirstOrDefault(l => l.Name == name);
        if (limit is null) return new AdminResult(404, new ErrorView($"no rate limit named '{name}'"));
        if (string.IsNullOrEmpty(key)) return new AdminResult(400, new ErrorView("missing query parameter 'key' (the key value, e.g. a client address)"));
        if (limit.Store != RateLimitStore.Cluster)
            return new AdminResult(409, new ErrorView($"rate limit '{name}' uses the {limit.Store.ToString().ToLowerInvariant()} store; its buckets are not cluster entities"));
        try
        {
            var state = await region.Ask<LimitKeyState>(new GetLimitKeyState($"{name}/{key}"), timeout).ConfigureAwait(false);
            return new AdminResult(200, new LimitKeyView(name, key, state.Available, state.Burst, state.LeaseHolders));
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return new AdminResult(504, new ErrorView($"the bucket of '{name}/{key}' did not answer within {timeout.TotalSeconds:0} s"));
        }
    }
}
