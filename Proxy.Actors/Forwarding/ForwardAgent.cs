using Akka.Actor;

namespace Proxy.Actors.Forwarding;

/// <summary>Tidies the forward listeners' upstream pools every few seconds (see <see cref="ForwardRuntime.Tidy"/>): those of
/// the node's current config revision, which may add, replace or remove forward listeners (O6).</summary>
public sealed class ForwardAgent : ReceiveActor, IWithTimers
{
    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public ForwardAgent(Func<IEnumerable<ForwardRuntime>> current)
    {
        Receive<Tick>(_ =>
        {
            foreach (var runtime in current()) runtime.Tidy();
        });
    }

    public static Props Props(Func<IEnumerable<ForwardRuntime>> current) => Akka.Actor.Props.Create(() => new ForwardAgent(current));

    protected override void PreStart() => Timers.StartPeriodicTimer("tidy", Tick.Instance, TimeSpan.FromSeconds(5));
}
