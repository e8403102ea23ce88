using Akka.Actor;
using Akka.Event;

namespace Proxy.Actors.Limits;

/// <summary>The node's limiter housekeeping: forgets idle keys and logs store failures (at most one per 10 s).</summary>
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

    public LimiterAgent(LimiterRuntime runtime)
    {
        _runtime = runtime;
        var self = Self;
        _onStoreFailed = message => self.Tell(new StoreFailure(message));
        var log = Context.GetLogger();
        Receive<Sweep>(_ => runtime.Sweep(TimeSpan.FromSeconds(30)));
        Receive<StoreFailure>(f => log.Warning(f.Message));
    }

    public static Props Props(LimiterRuntime runtime) => Akka.Actor.Props.Create(() => new LimiterAgent(runtime));

    protected override void PreStart()
    {
        _runtime.StoreFailed += _onStoreFailed;
        Timers.StartPeriodicTimer("sweep", Sweep.Instance, TimeSpan.FromSeconds(10));
    }

    protected override void PostStop() => _runtime.StoreFailed -= _onStoreFailed;
}
