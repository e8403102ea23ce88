using Akka.Actor;
using Akka.Event;

namespace Proxy.Actors.Limits;

/// <summary>The node's limiter (<c>/user/limiter</c>): forgets idle keys, logs store failures (at most one per
/// 10 s) and answers the admin API's <see cref="Proxy.Shared.RateLimiting.GetLimiterStats"/> with its counters.</summary>
public sealed class LimiterAgent : ReceiveActor, IWithTimers
{
    private sealed class Sweep
    {
        public static readonly Sweep Instance = new();
    }

    private sealed record StoreFailure(string Message);

    private readonly Func<LimiterRuntime?> _current;
    private readonly Action<string> _onStoreFailed;
    private LimiterRuntime? _runtime;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="current">The node's limiter in its current config revision (null: no limits), and the names of
    /// its limits. A revision that changes the limits or routes makes a new limiter; the agent follows it.</param>
    public LimiterAgent(Func<(LimiterRuntime? Runtime, IReadOnlyList<string> Names)> current)
    {
        _current = () => current().Runtime;
        var self = Self;
        _onStoreFailed = message => self.Tell(new StoreFailure(message));
        var log = Context.GetLogger();
        Receive<Sweep>(_ =>
        {
            Follow();
            _runtime?.Sweep(TimeSpan.FromSeconds(30));
        });
        Receive<StoreFailure>(f => log.Warning(f.Message));
        Receive<Proxy.Shared.RateLimiting.GetLimiterStats>(_ =>
        {
            var (runtime, names) = current();
            Sender.Tell(new Proxy.Shared.RateLimiting.LimiterStats(Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString(),
                runtime?.Snapshot(names) ?? []));
        });
    }

    public static Props Props(Func<(LimiterRuntime? Runtime, IReadOnlyList<string> Names)> current) =>
        Akka.Actor.Props.Create(() => new LimiterAgent(current));

    protected override void PreStart()
    {
        Follow();
        Timers.StartPeriodicTimer("sweep", Sweep.Instance, TimeSpan.FromSeconds(10));
    }

    /// <summary>Listens to the current limiter's store failures (and no longer to a replaced one's).</summary>
    private void Follow()
    {
        var current = _current();
        if (ReferenceEquals(current, _runtime)) return;
        if (_runtime is not null) _runtime.StoreFailed -= _onStoreFailed;
        _runtime = current;
        if (_runtime is not null) _runtime.StoreFailed += _onStoreFailed;
    }

    protected override void PostStop()
    {
        if (_runtime is not null) _runtime.StoreFailed -= _onStoreFailed;
    }
}
