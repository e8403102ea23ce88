using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace Proxy.Actors.Connections;

/// <summary>
/// The message queue of a client connection's actor: a small FIFO under a lock. Akka's default
/// (<see cref="UnboundedMessageQueue"/>) is a <c>ConcurrentQueue</c>, whose first segment alone is ~1 KB, allocated when
/// the actor starts and held for as long as the client keeps its connection open: measured, 1,064 B of an idle
/// keep-alive connection's ~10.9 KB (docs/BENCHMARKS.md). A connection actor has few producers (its own socket
/// completions and timers, rarely its listener) and at most a handful of messages queued, so an uncontended lock
/// costs less than the lock-free segment. No library here offers a mailbox that is cheap while idle.
/// </summary>
public sealed class ConnectionMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private readonly Queue<Envelope> _queue = new();
    private int _count;

    public bool HasMessages => Volatile.Read(ref _count) > 0;

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (_queue)
        {
            _queue.Enqueue(envelope);
            Volatile.Write(ref _count, _queue.Count);
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        if (Volatile.Read(ref _count) == 0)
        {
            envelope = default;
            return false;
        }
        lock (_queue)
        {
            if (!_queue.TryDequeue(out envelope)) return false;
            Volatile.Write(ref _count, _queue.Count);
            return true;
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope)) deadletters.Enqueue(owner, envelope);
    }
}

/// <summary>Makes <see cref="ConnectionMessageQueue"/>s: the connection dispatcher's <c>mailbox-type</c>
/// (<c>"Proxy.Actors.Connections.ConnectionMailbox, Proxy.Actors"</c>).</summary>
public sealed class ConnectionMailbox(Settings settings, Config config)
    : MailboxType(settings, config), IProducesMessageQueue<ConnectionMessageQueue>
{
    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new ConnectionMessageQueue();
}
