using System.Collections.Concurrent;
using Akka.Actor;
using Proxy.Shared.RateLimiting;

namespace Proxy.Actors.Limits;

/// <summary>
/// L2, the node side (the LimiterAgent of the design): holds a lease per hot limit key and decides locally. A
/// request with a token in its key's lease is decided with one interlocked decrement, no message. When the
/// lease runs low (half used) the next one is fetched in the background, sized by how fast this node spent the
/// last one; only a cold key, or one whose lease ran dry before the refill arrived, waits, for one round trip
/// to the key's <see cref="RateLimiterEntity"/>. A denied key stays denied locally until its retry time. If the
/// entity cannot answer within <see cref="AskTimeout"/>, the limit's <c>on-store-failure</c> decides.
/// </summary>
public sealed class LimiterRuntime
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(1);
    private const string QuotaSlotPrefix = "quota:";

    private readonly ConcurrentDictionary<string, LeaseSlot> _slots = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, RateLimitSettings[]> _byRoute;
    private readonly RateLimitSettings[] _everyRoute;
    private readonly ConcurrentDictionary<string, Counters> _counters = new(StringComparer.Ordinal);
    private ILeaseStore? _cluster;
    private ILeaseStore? _redis;
    private ILeaseStore? _quota;
    private string _node = "";
    private long _lastStoreWarning;

    private readonly Prometheus.Counter? _decisions;
    private readonly Prometheus.Counter? _storeFailures;

    /// <param name="metrics">The node's metrics (O3): decisions by limit and outcome, store failures by limit and store.</param>
    public LimiterRuntime(IReadOnlyList<RateLimitSettings> limits, IEnumerable<string> routes, Prometheus.IMetricFactory? metrics = null)
    {
        _decisions = metrics?.CreateCounter("proxy_rate_limit_decisions_total", "Rate limit decisions on this node.",
            new Prometheus.CounterConfiguration { LabelNames = ["limit", "decision"] });
        _storeFailures = metrics?.CreateCounter("proxy_rate_limit_store_failures_total",
            "Decisions made by on-store-failure because the limit's store did not answer.",
            new Prometheus.CounterConfiguration { LabelNames = ["limit", "store"] });
        // A limit with a quota is two checks: its rate (cluster or Redis) and its quota (persisted long window).
        var active = limits.SelectMany(l => l.QuotaCheck() is { } quota ? new[] { l, quota } : new[] { l }).ToArray();
        _everyRoute = active.Where(l => l.Routes.Count == 0).ToArray();
        _byRoute = routes.Distinct(StringComparer.Ordinal).ToDictionary(r => r,
            r => active.Where(l => l.Routes.Count == 0 || l.Routes.Contains(r)).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>Set once the node's actors run (requests only arrive after that).</summary>
    public void Attach(IActorRef region, string node, ILeaseStore? redis = null, IActorRef? quotaRegion = null)
    {
        _cluster = new ClusterLeaseStore(region, AskTimeout);
        _quota = quotaRegion is null ? null : new ClusterLeaseStore(quotaRegion, AskTimeout);
        _redis = redis;
        _node = node;
    }

    /// <summary>Raised (rarely: at most once per 10 s) when a store failed and the limit's failure mode applied.</summary>
    public event Action<string>? StoreFailed;

    public int TrackedKeys => _slots.Count;

    /// <summary>O3: this node's decisions per limit since start, and the keys it tracks now.</summary>
    public IReadOnlyList<LimitCounters> Snapshot(IEnumerable<string> limits)
    {
        var keys = _slots.Keys.Where(k => !k.StartsWith(QuotaSlotPrefix, StringComparison.Ordinal))
            .GroupBy(RateLimiterMessageExtractor.LimitOf).ToDictionary(g => g.Key, g => g.Count());
        return limits.Select(l => _counters.TryGetValue(l, out var c)
            ? new LimitCounters(l, Interlocked.Read(ref c.Allowed), Interlocked.Read(ref c.Rejected), keys.GetValueOrDefault(l))
            : new LimitCounters(l, 0, 0, keys.GetValueOrDefault(l))).ToList();
    }

    private sealed class Counters(Prometheus.Counter? decisions, string limit)
    {
        public long Allowed;
        public long Rejected;
        // The labelled children are looked up once per limit, not per request.
        public readonly Prometheus.Counter.Child? AllowedMetric = decisions?.WithLabels(limit, "allowed");
        public readonly Prometheus.Counter.Child? RejectedMetric = decisions?.WithLabels(limit, "rejected");
    }

    private LimitVerdict Count(LimitVerdict verdict)
    {
        // A limit with a quota is checked twice per request: count the request once (the rate check), and the
        // quota check only when it is the one that refuses.
        if (verdict.Limit.Store == RateLimitStore.Quota && verdict.Allowed) return verdict;
        var counters = _counters.GetOrAdd(verdict.Limit.Name, static (name, d) => new Counters(d, name), _decisions);
        if (verdict.Allowed)
        {
            Interlocked.Increment(ref counters.Allowed);
            counters.AllowedMetric?.Inc();
        }
        else
        {
            Interlocked.Increment(ref counters.Rejected);
            counters.RejectedMetric?.Inc();
        }
        return verdict;
    }

    /// <summary>The limits on a route (those without a route list apply to all).</summary>
    public RateLimitSettings[] For(string? route) =>
        route is not null && _byRoute.TryGetValue(route, out var limits) ? limits : _everyRoute;

    public ValueTask<LimitVerdict> CheckAsync(RateLimitSettings limit, string entityId)
    {
        // A limit's rate and its quota share the entity id (different regions), not the node's lease slot.
        var slotKey = limit.Store == RateLimitStore.Quota ? QuotaSlotPrefix + entityId : entityId;
        var slot = _slots.GetOrAdd(slotKey, static (_, l) => new LeaseSlot(l), limit);
        var now = Environment.TickCount64;
        slot.LastUsed = now;
        if (slot.TryTake(now))
        {
            if (slot.ShouldRefill(now)) _ = RefillAsync(slot, entityId, now);
            return ValueTask.FromResult(Count(slot.Allowed()));
        }
        if (now < slot.DeniedUntil) return ValueTask.FromResult(Count(slot.Denied(now)));
        return SlowAsync(slot, entityId, now);
    }

    private async ValueTask<LimitVerdict> SlowAsync(LeaseSlot slot, string entityId, long now)
    {
        // Concurrent requests of a hot key may spend a fresh lease before this one gets a token: while the
        // entity still has tokens (it did not say when to retry), fetch again; deny only on its word.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await RefillAsync(slot, entityId, now).ConfigureAwait(false);
            }
            catch (Exception)
            {
                return Count(OnStoreFailure(slot.Limit, entityId));
            }
            now = Environment.TickCount64;
            if (slot.TryTake(now)) return Count(slot.Allowed());
            if (now < slot.DeniedUntil) break;
        }
        return Count(slot.Denied(now));
    }

    private Task RefillAsync(LeaseSlot slot, string entityId, long now)
    {
        lock (slot)
        {
            if (slot.Pending is { IsCompleted: false } pending) return pending;
            var (wanted, unused) = slot.NextRequest(now);
            var store = slot.Limit.Store switch
            {
                RateLimitStore.Redis => _redis,
                RateLimitStore.Quota => _quota,
                _ => _cluster,
            };
            return slot.Pending = store is null
                ? Task.FromException(new InvalidOperationException("no store"))
                : RequestAsync(slot, store, new AcquireLease(entityId, _node, wanted, unused));
        }
    }

    private static async Task RequestAsync(LeaseSlot slot, ILeaseStore store, AcquireLease request)
    {
        var grant = await store.AcquireAsync(slot.Limit, request).ConfigureAwait(false);
        slot.Apply(grant, Environment.TickCount64);
    }

    private LimitVerdict OnStoreFailure(RateLimitSettings limit, string entityId)
    {
        _storeFailures?.WithLabels(limit.Name, limit.Store.ToString().ToLowerInvariant()).Inc();
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastStoreWarning);
        if (now - last > 10_000 && Interlocked.CompareExchange(ref _lastStoreWarning, now, last) == last)
            StoreFailed?.Invoke($"rate limit {limit.Name}: the {limit.Store.ToString().ToLowerInvariant()} store did not answer " +
                                $"(key {entityId}); on-store-failure = {(limit.OnStoreFailure == StoreFailureMode.Allow ? "allow" : "deny")} applies");
        return limit.OnStoreFailure == StoreFailureMode.Allow
            ? new LimitVerdict(true, limit, 0, 0, 0)
            : new LimitVerdict(false, limit, 0, 0, 1, $"rate limit '{limit.Name}' store is unavailable", StoreFailed: true);
    }

    /// <summary>Forgets keys unused for <paramref name="idle"/> (their lease expired long ago).</summary>
    public void Sweep(TimeSpan idle)
    {
        var cutoff = Environment.TickCount64 - (long)idle.TotalMilliseconds;
        foreach (var (key, slot) in _slots)
            if (slot.LastUsed < cutoff && slot.Pending is null or { IsCompleted: true })
                _slots.TryRemove(new KeyValuePair<string, LeaseSlot>(key, slot));
    }

    /// <summary>One key's lease on this node. Tokens are taken lock-free; a refill is one at a time.</summary>
    private sealed class LeaseSlot(RateLimitSettings limit)
    {
        private long _tokens;
        private long _expiresAt;
        private long _grantedAt;
        private long _granted;
        private long _spent;
        private long _remaining = limit.Burst;
        private long _resetMs;
        private long _retryAfterMs;

        public RateLimitSettings Limit { get; } = limit;
        public long LastUsed;
        public long DeniedUntil;
        public Task? Pending;

        public bool TryTake(long now)
        {
            if (now >= Volatile.Read(ref _expiresAt)) return false;
            while (true)
            {
                var tokens = Volatile.Read(ref _tokens);
                if (tokens <= 0) return false;
                if (Interlocked.CompareExchange(ref _tokens, tokens - 1, tokens) != tokens) continue;
                Interlocked.Increment(ref _spent);
                return true;
            }
        }

        /// <summary>Half the lease spent, or it expires within a quarter of its life: fetch the next one now.</summary>
        public bool ShouldRefill(long now) =>
            Pending is null or { IsCompleted: true } &&
            (Volatile.Read(ref _tokens) * 2 <= Volatile.Read(ref _granted) ||
             Volatile.Read(ref _expiresAt) - now < RateLimiterEntity.LeaseMs / 4);

        /// <summary>How many tokens to ask for (the last lease's pace for one lease period, 1.5×), and what to hand back.</summary>
        public (long Wanted, long Unused) NextRequest(long now)
        {
            var expired = now >= Volatile.Read(ref _expiresAt);
            var unused = expired ? Math.Max(0, Interlocked.Exchange(ref _tokens, 0)) : 0;
            var elapsed = Math.Max(1, now - _grantedAt);
            var pace = _grantedAt == 0
                ? Math.Ceiling(Limit.Rate.PerSecond / 10) // a cold key starts with a tenth of a second's worth
                : Volatile.Read(ref _spent) * (double)RateLimiterEntity.LeaseMs / Math.Min(elapsed, RateLimiterEntity.LeaseMs) * 1.5;
            return ((long)Math.Clamp(Math.Ceiling(pace), 1, Limit.Burst), unused);
        }

        public void Apply(LeaseGrant grant, long now)
        {
            lock (this)
            {
                // Added, never overwritten: a request that took a token while this grant was on its way stays
                // counted (an expired lease's tokens were already taken out and handed back by NextRequest).
                var total = Interlocked.Add(ref _tokens, grant.Granted);
                var stillValid = Math.Max(0, total - grant.Granted);
                Volatile.Write(ref _granted, Math.Max(0, total));
                Volatile.Write(ref _spent, 0);
                _grantedAt = now;
                Volatile.Write(ref _expiresAt, now + grant.ValidForMs);
                _remaining = grant.Remaining;
                _resetMs = grant.ResetMs;
                _retryAfterMs = grant.RetryAfterMs;
                DeniedUntil = grant.Granted == 0 && stillValid == 0 ? now + Math.Max(1, grant.RetryAfterMs) : 0;
            }
        }

        public LimitVerdict Allowed() =>
            new(true, Limit, Math.Max(0, _remaining + Math.Max(0, Volatile.Read(ref _tokens))), CeilSeconds(_resetMs), 0);

        public LimitVerdict Denied(long now) =>
            new(false, Limit, 0, CeilSeconds(_resetMs), Math.Max(1, CeilSeconds(Math.Max(DeniedUntil - now, _retryAfterMs))),
                $"rate limit '{Limit.Name}' exceeded");

        private static long CeilSeconds(long ms) => Math.Max(0, (ms + 999) / 1000);
    }
}
