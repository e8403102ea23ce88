using System.Threading.Channels;
using Akka.Actor;
using Proxy.Shared.Admin;

namespace Proxy.Actors.Admin;

/// <summary>
/// The cluster's events for one reader (one <c>GET /api/cluster/events</c>): a <see cref="ClusterEventTail"/> actor
/// writes them into <see cref="Events"/>. Disposing stops the actor, which unsubscribes it; the channel completes
/// as well when the actor stops by itself (the ActorSystem ends, or the reader fell <see cref="Backlog"/> behind).
/// </summary>
public sealed class ClusterEventSubscription : IDisposable
{
    /// <summary>Events held for a reader that does not keep up; membership changes are rare, so this many unread means
    /// the reader is stuck.</summary>
    public const int Backlog = 1024;

    private static long _opened;
    private readonly ActorSystem _system;
    private readonly IActorRef _tail;
    private int _disposed;

    private ClusterEventSubscription(ActorSystem system, IActorRef tail, ChannelReader<ClusterEventView> events)
    {
        _system = system;
        _tail = tail;
        Events = events;
    }

    public ChannelReader<ClusterEventView> Events { get; }

    /// <summary>Starts the tail under <c>/system</c> (admin plumbing, kept out of the application's <c>/user</c> tree).</summary>
    public static ClusterEventSubscription Open(ActorSystem system)
    {
        var channel = Channel.CreateBounded<ClusterEventView>(new BoundedChannelOptions(Backlog)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var name = $"cluster-event-tail-{Interlocked.Increment(ref _opened)}";
        var tail = ((ExtendedActorSystem)system).SystemActorOf(ClusterEventTail.Props(channel.Writer), name);
        return new ClusterEventSubscription(system, tail, channel.Reader);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _system.Stop(_tail);
    }
}
