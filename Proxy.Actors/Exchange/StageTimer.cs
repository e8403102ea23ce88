using Akka.Actor;
using Akka.Streams;

namespace Proxy.Actors.Exchange;

/// <summary>
/// One re-armable timer of a graph stage whose scheduler registration does not keep the stage alive. Akka's hashed
/// wheel keeps a cancelled registration until the wheel next passes its bucket (up to 640 ms with the node's 64
/// buckets); with <c>TimerGraphStageLogic</c> that registration's action held the stage logic and through it the whole
/// connection graph, so under connection churn ~575 closed connections (~10 MB) were still reachable at every collection
/// and copied by it (gen1 pauses of 50–75 ms, docs/BENCHMARKS.md). Here the scheduler holds only a small ticket whose
/// link to the stage is cut when the timer is cancelled or re-armed.
/// </summary>
internal sealed class StageTimer
{
    private readonly Action<object> _onFire;
    private Ticket? _current;

    /// <param name="onFire">The stage's async callback (from <c>GetAsyncCallback</c>), so a firing reaches the stage on its
    /// own thread; it is called with the ticket (<see cref="IsTicket"/>), and <see cref="IsCurrent"/> tells a live firing
    /// from a superseded one and which of the stage's timers it is.</param>
    public StageTimer(Action<object> onFire) => _onFire = onFire;

    /// <summary>Fires once after <paramref name="delay"/>, replacing what was armed before.</summary>
    public void Schedule(IMaterializer materializer, TimeSpan delay)
    {
        Cancel();
        var ticket = new Ticket(_onFire);
        _current = ticket;
        ticket.Registration = materializer.ScheduleOnce(delay, ticket.Fire);
    }

    /// <summary>Whether <paramref name="signal"/> is a firing of some <see cref="StageTimer"/> (the stage's async callback
    /// may carry other signals too).</summary>
    public static bool IsTicket(object signal) => signal is Ticket;

    /// <summary>Whether the firing that carries <paramref name="ticket"/> is the armed one; if so the timer is no longer armed.</summary>
    public bool IsCurrent(object ticket)
    {
        if (!ReferenceEquals(ticket, _current)) return false;
        _current = null;
        return true;
    }

    public void Cancel()
    {
        var ticket = _current;
        if (ticket is null) return;
        _current = null;
        ticket.Detach();
    }

    private sealed class Ticket(Action<object> onFire)
    {
        private volatile Action<object>? _onFire = onFire;

        public ICancelable? Registration { get; set; }

        public void Fire() => _onFire?.Invoke(this);

        public void Detach()
        {
            _onFire = null;
            Registration?.Cancel();
        }
    }
}
