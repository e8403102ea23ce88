using Akka.Actor;

namespace Proxy.Actors.Forwarding;

/// <summary>Tidies one forward listener's upstream pools every few seconds (see <see cref="ForwardRuntime.Tidy"/>).</summary>
public sealed class ForwardAgent : ReceiveActor, IWithTimers
{
    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public ForwardAgent(ForwardRuntime runtime)
    {
        Receive<Tick>(_ => runtime.Tidy());
    }

    public static Props Props(ForwardRuntime runtime) => Akka.Actor.Props.Create(() => new ForwardAgent(runtime));

    protected override void PreStart() => Timers.StartPeriodicTimer("tidy", Tick.Instance, TimeSpan.FromSeconds(5));
}
