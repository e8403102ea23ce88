using Akka.Actor;
using Akka.Cluster.Sharding;
using Proxy.Shared.RateLimiting;

namespace Proxy.Actors.Limits;

/// <summary>
/// L2: the token-bucket authority for one limit and key value, cluster-wide (sharded, region
/// <c>rate-limiter</c>). Nodes never ask per request: they hold leases, batches of tokens taken out of this
/// bucket, and come back when one runs low or expires (handing back what they did not use). Because every
/// token leaves this bucket once, the cluster never admits more than the bucket allows; a node's unused lease
/// can only make it admit less, until the lease returns. A lease is capped to the bucket's share for each
/// node that asked recently, so one node cannot drain a hot key for the others. Idle entities passivate once
/// their bucket would have refilled anyway, so a million one-off clients do not keep a million actors.
/// </summary>
public sealed class RateLimiterEntity : ReceiveActor
{
    public const long LeaseMs = 1000;
    private static readonly TimeSpan ActiveWindow = TimeSpan.FromSeconds(2);

    private readonly string _entityId;
    private readonly Dictionary<string, DateTime> _nodes = new(StringComparer.Ordinal);
    private readonly Func<RateLimitSettings?> _current;
    private RateLimitSettings _limit;
    private TokenBucket _bucket;

    /// <param name="current">The limit in the hosting node's current config revision (null: the revision has no such
    /// limit). Read on every lease request: a changed rate or burst applies from the next lease (O6).</param>
    public RateLimiterEntity(string entityId, Func<RateLimitSettings?> current)
    {
        _entityId = entityId;
        _current = current;
        var limit = current() ?? throw new ArgumentException($"no limit for entity {entityId}", nameof(current));
        _limit = limit;
        _bucket = new TokenBucket(limit.Rate, limit.Burst);
        var refill = TimeSpan.FromTicks(limit.Rate.Interval.Ticks * limit.Burst);
        Context.SetReceiveTimeout(refill < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : refill > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : refill);

        Receive<AcquireLease>(OnAcquire);
        Receive<GetLimitKeyState>(_ =>
        {
            var now = DateTime.UtcNow;
            var holders = _nodes.Where(n => now - n.Value <= TimeSpan.FromMilliseconds(LeaseMs)).Select(n => n.Key)
                .Order(StringComparer.Ordinal).ToList();
            Sender.Tell(new LimitKeyState(_entityId, _bucket.Available(now.Ticks), _bucket.Burst, holders));
        });
        Receive<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    public static Props Props(string entityId, Func<RateLimitSettings?> current) =>
        Akka.Actor.Props.Create(() => new RateLimiterEntity(entityId, current));

    /// <summary>An entity for a limit that never changes (tests).</summary>
    public static Props Props(string entityId, RateLimitSettings limit) => Props(entityId, () => limit);

    private void OnAcquire(AcquireLease request)
    {
        var nowUtc = DateTime.UtcNow;
        var now = nowUtc.Ticks;
        if (_current() is { } limit && !ReferenceEquals(limit, _limit))
        {
            if (limit.Rate != _limit.Rate || limit.Burst != _limit.Burst) _bucket = _bucket.Retuned(limit.Rate, limit.Burst, now);
            _limit = limit;
        }
        _bucket.GiveBack(now, request.Unused);
        _nodes[request.Node] = nowUtc;
        var active = 0;
        foreach (var (node, seen) in _nodes.ToList())
        {
            if (nowUtc - seen <= ActiveWindow) active++;
            else _nodes.Remove(node);
        }
        var share = Math.Max(1, _bucket.Burst / Math.Max(1, active));
        var granted = _bucket.TakeUpTo(now, Math.Clamp(request.Wanted, 1, share));
        var probe = _bucket; // a copy: what the next single request would see, without taking
        var next = probe.TryTake(now);
        Sender.Tell(new LeaseGrant(_entityId, granted, LeaseMs, _bucket.Available(now),
            granted > 0 ? 0 : Math.Max(1, next.RetryAfter / TimeSpan.TicksPerMillisecond),
            next.ResetAfter / TimeSpan.TicksPerMillisecond));
    }
}
