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
    private TokenBucket _bucket;

    public RateLimiterEntity(string entityId, RateLimitSettings limit)
    {
        _entityId = entityId;
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

    public static Props Props(string entityId, RateLimitSettings limit) =>
        Akka.Actor.Props.Create(() => new RateLimiterEntity(entityId, limit));

    private void OnAcquire(AcquireLease request)
    {
        var nowUtc = DateTime.UtcNow;
        var now = nowUtc.Ticks;
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
