using Akka.Actor;
using Akka.Persistence;
using Proxy.Shared.Cluster;

namespace Proxy.Tests.Persistence;

/// <summary>Test-only persistent actor: persists the cluster events it is given and reports what it recovered.</summary>
public sealed class EventLogActor : ReceivePersistentActor
{
    private readonly List<IClusterMessage> _events = [];
    private readonly List<object> _unexpected = [];

    public EventLogActor(string persistenceId)
    {
        PersistenceId = persistenceId;
        // Only typed events match: a payload the journal handed back in another shape lands in _unexpected.
        Recover<IClusterMessage>(e => _events.Add(e));
        Recover<RecoveryCompleted>(_ => { });
        Recover<object>(o => _unexpected.Add(o));
        Command<Append>(a => Persist(a.Event, e =>
        {
            _events.Add(e);
            Sender.Tell(new Appended(LastSequenceNr));
        }));
        Command<GetEvents>(_ => Sender.Tell(new Events(_events.ToList(), _unexpected.ToList())));
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId) => Akka.Actor.Props.Create(() => new EventLogActor(persistenceId));

    public sealed record Append(IClusterMessage Event);

    public sealed record Appended(long SequenceNr);

    public sealed record GetEvents
    {
        public static readonly GetEvents Instance = new();
    }

    public sealed record Events(IReadOnlyList<IClusterMessage> Recovered, IReadOnlyList<object> Unexpected);
}
