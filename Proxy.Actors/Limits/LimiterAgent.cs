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

    private readonly LimiterRuntime _runtime;
    private readonly Action<string> _onStoreFailed;

    public ITimerScheduler Timers { get; set; } = null!;

    private readonly IReadOnlyList<string> _limitNames;

    public LimiterAgent(LimiterRuntime runtime, IReadOnlyList<string> limitNames)
    {
        _runtime = runtime;
        _limitNames = limitNames;
        var self = Self;
        _onStoreFailed = message => self.Tell(new StoreFailure(message));
        var log = Context.GetLogger();
        Receive<Sweep>(_ => runtime.Sweep(TimeSpan.FromSeconds(30)));
        Receive<StoreFailure>(f => log.Warning(f.Message));
        Receive<Proxy.Shared.RateLimiting.GetLimiterStats>(_ => Sender.Tell(new Proxy.Shared.RateLimiting.LimiterStats(
            Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString(), runtime.Snapshot(_limitNames))));
    }

    public static Props Props(LimiterRuntime runtime, IReadOnlyList<string> limitNames) =>
        Akka.Actor.Props.Create(() => new LimiterAgent(runtime, limitNames));

    protected override void PreStart()
    {
        _runtime.StoreFailed += _onStoreFailed;
        Timers.StartPeriodicTimer("sweep", Sweep.Instance, TimeSpan.FromSeconds(10));
    }

    protected override void PostStop() => _runtime.StoreFailed -= _onStoreFailed;
}
