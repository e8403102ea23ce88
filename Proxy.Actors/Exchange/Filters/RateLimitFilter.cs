using System.Globalization;
using Proxy.Actors.Limits;
using Proxy.Shared.Http;
using Proxy.Shared.RateLimiting;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange.Filters;

/// <summary>
/// L1/L2 as a request filter: a request on a limited route takes a token from each of its limits (from the node's
/// lease, usually without waiting) before it goes upstream; over a limit it is answered 429 (or 503 when the store
/// failed and the limit says so) with Retry-After. Every response relayed for it carries RateLimit-Limit,
/// RateLimit-Remaining and RateLimit-Reset of its tightest limit (the response head part of the filter).
/// </summary>
public sealed class RateLimitFilter(LimiterRuntime limiter, RateLimitSettings[] limits) : IRequestFilter, IResponseHeadFilter
{
    public ValueTask<FilterVerdict> OnRequestAsync(IExchange exchange)
    {
        for (var i = 0; i < limits.Length; i++)
        {
            var decision = limiter.CheckAsync(limits[i], EntityIdFor(limits[i], exchange));
            if (!decision.IsCompleted) return WaitAndGoOn(decision, i, exchange);
            if (Apply(decision.Result, exchange) is { } denied) return ValueTask.FromResult(denied);
        }
        return ValueTask.FromResult(FilterVerdict.Continue);
    }

    /// <summary>A limit whose key had no lease token at hand: its answer comes from the cluster (or Redis).</summary>
    private async ValueTask<FilterVerdict> WaitAndGoOn(ValueTask<LimitVerdict> pending, int index, IExchange exchange)
    {
        while (true)
        {
            LimitVerdict verdict;
            try
            {
                verdict = await pending.ConfigureAwait(false);
            }
            catch (Exception)
            {
                verdict = new LimitVerdict(false, limits[index], 0, 0, 1, "rate limit check failed");
            }
            if (Apply(verdict, exchange) is { } denied) return denied;
            if (++index == limits.Length) return FilterVerdict.Continue;
            pending = limiter.CheckAsync(limits[index], EntityIdFor(limits[index], exchange));
        }
    }

    public void OnResponseHead(IExchange exchange, HttpResponseHead head)
    {
        // The node's own answers carry no figures (a 429 has those of the limit that refused it, from its verdict).
        if (!exchange.LocalAnswer && Tightest(exchange) is { } verdict) AddRateLimitFields(head.Headers, verdict);
    }

    /// <summary>Keeps an allowed verdict if it is the tightest so far; a denied one becomes the answer.</summary>
    private static FilterVerdict? Apply(LimitVerdict verdict, IExchange exchange)
    {
        if (!verdict.Allowed)
        {
            var headers = new HttpHeaderList(4);
            headers.Add("Retry-After", verdict.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture));
            AddRateLimitFields(headers, verdict);
            var error = verdict.StoreFailed ? ProxyError.RateLimitStoreUnavailable
                : verdict.Limit.Store == RateLimitStore.Quota ? ProxyError.QuotaUsedUp : ProxyError.RateLimited;
            var reason = error == ProxyError.QuotaUsedUp
                ? $"quota of rate limit '{verdict.Limit.Name}' ({verdict.Limit.Rate}) is used up"
                : verdict.Reason;
            return FilterVerdict.Respond(error, reason, headers);
        }
        if (Tightest(exchange) is not { } tightest || verdict.Remaining < tightest.Remaining) exchange.Items[typeof(LimitVerdict)] = verdict;
        return null;
    }

    /// <summary>The allowed verdict with the fewest tokens left: its figures go out as RateLimit-* headers.</summary>
    public static LimitVerdict? Tightest(IExchange exchange) =>
        exchange.Items.TryGetValue(typeof(LimitVerdict), out var verdict) ? (LimitVerdict?)verdict : null;

    private static void AddRateLimitFields(HttpHeaderList headers, LimitVerdict verdict)
    {
        headers.Set("RateLimit-Limit", verdict.Limit.Burst.ToString(CultureInfo.InvariantCulture));
        headers.Set("RateLimit-Remaining", verdict.Remaining.ToString(CultureInfo.InvariantCulture));
        headers.Set("RateLimit-Reset", verdict.ResetSeconds.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary><c>LIMIT/KEY</c>: the key parts joined; with per-route, the route first.</summary>
    private static string EntityIdFor(RateLimitSettings limit, IExchange exchange)
    {
        var route = exchange.Route?.Name ?? "";
        var key = limit.Key.Count == 1
            ? KeyPart(limit, limit.Key[0], route, exchange)
            : string.Join("|", limit.Key.Select(p => KeyPart(limit, p, route, exchange)));
        return limit.PerRoute ? $"{limit.Name}/{route}|{key}" : $"{limit.Name}/{key}";
    }

    private static string KeyPart(RateLimitSettings limit, RateLimitKeyPart part, string route, IExchange exchange) => part.Kind switch
    {
        RateLimitKeyKind.ClientIp => exchange.Client,
        RateLimitKeyKind.Route => route,
        RateLimitKeyKind.ApiKey => exchange.Request!.Headers.Get(limit.ApiKeyHeader) ?? "-",
        _ => exchange.Request!.Headers.Get(part.Header!) ?? "-",
    };
}
