using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Proxy.Shared.RateLimiting;

namespace Proxy.Actors.Limits;

/// <summary>
/// L4: a long-window quota (per UTC day, or per calendar month) for one limit and key, sharded (region
/// <c>quota</c>) and persisted with Akka.Persistence.Sql: every lease it grants is an event, so a full-cluster
/// restart resumes with the usage, not from zero. Nodes lease from it like from a RateLimiter; once the
/// window is used up the answer says how long until it ends (Retry-After).
/// </summary>
public sealed class QuotaEntity : ReceivePersistentActor
{
    private readonly string _entityId;
    private readonly Func<RateLimitSettings?> _current;
    private RateLimitSettings _quota;
    private DateTime _window;
    private long _used;

    /// <param name="current">The quota in the hosting node's current config revision, read on every lease request: a
    /// changed amount applies from the next lease (what was used in the window stays used; O6).</param>
    public QuotaEntity(string entityId, Func<RateLimitSettings?> current)
    {
        _entityId = entityId;
        _current = current;
        _quota = current() ?? throw new ArgumentException($"no quota for entity {entityId}", nameof(current));
        Recover<QuotaTaken>(e => Apply(e.Window, e.Tokens));
        Recover<QuotaReturned>(e => Apply(e.Window, -e.Tokens));
        Command<AcquireLease>(OnAcquire);
        Command<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
        Context.SetReceiveTimeout(TimeSpan.FromMinutes(5));
    }

    public override string PersistenceId => "quota-" + _entityId;

    public static Props Props(string entityId, Func<RateLimitSettings?> current) => Akka.Actor.Props.Create(() => new QuotaEntity(entityId, current));

    /// <summary>An entity for a quota that never changes (tests).</summary>
    public static Props Props(string entityId, RateLimitSettings quota) => Props(entityId, () => quota);

    private bool Monthly => _quota.Rate.Per > TimeSpan.FromDays(1);

    private DateTime WindowOf(DateTime now) => Monthly ? new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc) : now.Date;

    private DateTime EndOf(DateTime window) => Monthly ? window.AddMonths(1) : window.AddDays(1);

    private void Apply(DateTime window, long tokens)
    {
        if (window != _window)
        {
            if (window < _window) return; // an event of a window that is over
            _window = window;
            _used = 0;
        }
        _used = Math.Max(0, _used + tokens);
    }

    private void OnAcquire(AcquireLease request)
    {
        // A changed window (day ↔ month) starts counting in the new window's terms from the next lease.
        if (_current() is { } quota) _quota = quota;
        var now = DateTime.UtcNow;
        var window = WindowOf(now);
        if (window != _window) Apply(window, 0);
        if (request.Unused > 0) Persist(new QuotaReturned(window, request.Unused), e => Apply(e.Window, -e.Tokens));
        var available = Math.Max(0, _quota.Burst - _used - (request.Unused > 0 ? -request.Unused : 0));
        var granted = Math.Min(Math.Max(1, request.Wanted), available);
        var sender = Sender;
        var untilEnd = (long)(EndOf(window) - now).TotalMilliseconds;
        if (granted <= 0)
        {
            DeferAsync(0, _ => sender.Tell(new LeaseGrant(_entityId, 0, RateLimiterEntity.LeaseMs, 0, Math.Max(1, untilEnd), untilEnd)));
            return;
        }
        Persist(new QuotaTaken(window, granted), e =>
        {
            Apply(e.Window, e.Tokens);
            sender.Tell(new LeaseGrant(_entityId, granted, RateLimiterEntity.LeaseMs, Math.Max(0, _quota.Burst - _used), 0, untilEnd));
        });
    }
}
