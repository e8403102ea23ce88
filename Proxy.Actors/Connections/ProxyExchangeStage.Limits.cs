using System.Globalization;
using Proxy.Actors.Exchange;
using Proxy.Actors.Limits;
using Proxy.Shared.Http;
using Proxy.Shared.RateLimiting;

namespace Proxy.Actors.Connections;

// L1/L2: a request on a limited route takes a token from each of its limits (from the node's lease, usually
// without waiting) before it goes to a backend; over the limit it gets 429 with Retry-After. Every answer to
// a limited request carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset of its tightest limit.
public sealed partial class ProxyExchangeStage
{
    private sealed partial class Logic
    {
        private RateLimitSettings[]? _limits;
        private int _limitIndex;
        private LimitVerdict? _limitVerdict;
        private Action<Task<LimitVerdict>>? _onLimitDecided;

        private void CheckNextLimit()
        {
            while (_limitIndex < _limits!.Length)
            {
                var limit = _limits[_limitIndex];
                var decision = Snapshot.Limiter!.CheckAsync(limit, EntityIdFor(limit));
                if (!decision.IsCompleted)
                {
                    _onLimitDecided ??= GetAsyncCallback<Task<LimitVerdict>>(OnLimitDecided);
                    decision.AsTask().ContinueWith(_onLimitDecided, TaskContinuationOptions.ExecuteSynchronously);
                    return;
                }
                if (!Apply(decision.Result)) return;
            }
            ContinueAfterLimits();
        }

        private void OnLimitDecided(Task<LimitVerdict> decided)
        {
            if (_request is null || _phase != Phase.Connecting) return; // the client left meanwhile
            var verdict = decided.IsCompletedSuccessfully
                ? decided.Result
                : new LimitVerdict(false, _limits![_limitIndex], 0, 0, 1, "rate limit check failed");
            if (Apply(verdict)) CheckNextLimit();
        }

        /// <summary>Records an allowed verdict (keeping the tightest) or answers 429; false when answered.</summary>
        private bool Apply(LimitVerdict verdict)
        {
            _limitIndex++;
            if (!verdict.Allowed)
            {
                var headers = new HttpHeaderList(4);
                headers.Add("Retry-After", verdict.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture));
                AddRateLimitHeaders(headers, verdict);
                var error = verdict.StoreFailed ? ProxyError.RateLimitStoreUnavailable
                    : verdict.Limit.Store == RateLimitStore.Quota ? ProxyError.QuotaUsedUp : ProxyError.RateLimited;
                var reason = error == ProxyError.QuotaUsedUp
                    ? $"quota of rate limit '{verdict.Limit.Name}' ({verdict.Limit.Rate}) is used up"
                    : verdict.Reason;
                RespondLocal(error, close: _request!.HasBody, reason, extra: headers);
                return false;
            }
            if (_limitVerdict is not { } tightest || verdict.Remaining < tightest.Remaining) _limitVerdict = verdict;
            return true;
        }

        private static void AddRateLimitHeaders(HttpHeaderList headers, LimitVerdict verdict)
        {
            headers.Set("RateLimit-Limit", verdict.Limit.Burst.ToString(CultureInfo.InvariantCulture));
            headers.Set("RateLimit-Remaining", verdict.Remaining.ToString(CultureInfo.InvariantCulture));
            headers.Set("RateLimit-Reset", verdict.ResetSeconds.ToString(CultureInfo.InvariantCulture));
        }

        /// <summary><c>LIMIT/KEY</c>: the key parts joined; with per-route, the route first.</summary>
        private string EntityIdFor(RateLimitSettings limit)
        {
            var route = _route?.Name ?? "";
            var key = limit.Key.Count == 1 ? KeyPart(limit, limit.Key[0], route) : string.Join("|", limit.Key.Select(p => KeyPart(limit, p, route)));
            return limit.PerRoute ? $"{limit.Name}/{route}|{key}" : $"{limit.Name}/{key}";
        }

        private string KeyPart(RateLimitSettings limit, RateLimitKeyPart part, string route) => part.Kind switch
        {
            RateLimitKeyKind.ClientIp => _clientAddress,
            RateLimitKeyKind.Route => route,
            RateLimitKeyKind.ApiKey => _request!.Headers.Get(limit.ApiKeyHeader) ?? "-",
            _ => _request!.Headers.Get(part.Header!) ?? "-",
        };
    }
}
