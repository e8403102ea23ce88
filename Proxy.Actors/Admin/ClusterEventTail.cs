using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Proxy.Shared.Admin;

namespace Proxy.Actors.Admin;

/// <summary>
/// One <c>GET /api/cluster/events</c> stream (<c>pbm cluster tail</c>) on the actor side: subscribes to the cluster's
/// membership, reachability and leader events and writes them, as <see cref="ClusterEventView"/>s, into the channel
/// the HTTP handler reads. The first thing written is a <c>member-snapshot</c> per member (the subscription's initial
/// state), then every event as this node learns it. Stopping the actor (the client went) unsubscribes and completes
/// the channel; a client that falls <see cref="ClusterEventSubscription.Backlog"/> events behind is dropped the same way.
/// </summary>
public sealed class ClusterEventTail : ReceiveActor
{
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ChannelWriter<ClusterEventView> _events;

    public ClusterEventTail(ChannelWriter<ClusterEventView> events)
    {
        _events = events;
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            var at = Now();
            foreach (var member in state.Members.OrderBy(m => m.Address.Host, StringComparer.Ordinal).ThenBy(m => m.Address.Port))
            {
                Write(new ClusterEventView(ClusterEventNames.MemberSnapshot, member.Address.ToString(), member.Status.ToString(),
                    !state.Unreachable.Contains(member), null, at));
            }
        });
        Receive<ClusterEvent.MemberRemoved>(e => Write(new ClusterEventView(ClusterEventNames.MemberRemoved, e.Member.Address.ToString(),
            null, null, e.PreviousStatus.ToString(), Now())));
        Receive<ClusterEvent.IMemberEvent>(e => Write(Plain(NameOf(e), e.Member.Address)));
        Receive<ClusterEvent.UnreachableMember>(e => Write(Plain(ClusterEventNames.Unreachable, e.Member.Address)));
        Receive<ClusterEvent.ReachableMember>(e => Write(Plain(ClusterEventNames.Reachable, e.Member.Address)));
        Receive<ClusterEvent.LeaderChanged>(e => Write(Plain(ClusterEventNames.LeaderChanged, e.Leader)));
    }

    public static Props Props(ChannelWriter<ClusterEventView> events) => Akka.Actor.Props.Create(() => new ClusterEventTail(events));

    protected override void PreStart() => _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
        typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        _events.TryComplete();
    }

    private void Write(ClusterEventView view)
    {
        // The channel is bounded: a client that stopped reading is let go rather than buffered for without end.
        if (!_events.TryWrite(view)) Context.Stop(Self);
    }

    private static ClusterEventView Plain(string name, Address? address) => new(name, address?.ToString(), null, null, null, Now());

    private static string NameOf(ClusterEvent.IMemberEvent e) => e switch
    {
        ClusterEvent.MemberJoined => ClusterEventNames.MemberJoined,
        ClusterEvent.MemberUp => ClusterEventNames.MemberUp,
        ClusterEvent.MemberWeaklyUp => ClusterEventNames.MemberWeaklyUp,
        ClusterEvent.MemberLeft => ClusterEventNames.MemberLeft,
        ClusterEvent.MemberExited => ClusterEventNames.MemberExited,
        ClusterEvent.MemberDowned => ClusterEventNames.MemberDowned,
        // A member event a later Akka adds: named after the status it reports, in the same form.
        _ => "member-" + e.Member.Status.ToString().ToLowerInvariant(),
    };

    /// <summary>UTC, to the millisecond (what the wire and pbm show).</summary>
    private static DateTime Now()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
    }
}
