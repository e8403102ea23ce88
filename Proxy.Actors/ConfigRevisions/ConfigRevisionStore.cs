using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Proxy.Shared.ConfigRevisions;

namespace Proxy.Actors.ConfigRevisions;

/// <summary>
/// O6: the cluster's config revisions (a cluster singleton, persistence id <c>config-revisions</c>). Stores each new
/// revision as a journal event (so the cluster's config survives a full restart), pushes it at once to the config agent
/// of every node that registered, and keeps what each node made of it for <c>pbm config status</c>. Node outcomes are
/// not persisted: agents register again every few seconds with the revision they run, which also rebuilds the table
/// after the singleton moved.
/// </summary>
public sealed class ConfigRevisionStore : ReceivePersistentActor
{
    /// <summary>Revisions kept for show and roll-back (older ones stay in the journal, unread).</summary>
    public const int Kept = 50;

    private readonly LinkedList<ConfigRevision> _revisions = new();
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _latest;

    public ConfigRevisionStore()
    {
        Recover<ConfigRevision>(Keep);
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is not ConfigRevisionHistory history) return;
            _revisions.Clear();
            foreach (var revision in history.Revisions) Keep(revision);
        });
        Recover<RecoveryCompleted>(_ => _log.Info("Config revisions: latest {0} ({1} kept)", _latest, _revisions.Count));

        Command<StoreConfigRevision>(c => Store(c.Text, c.Source));
        Command<RollBackConfig>(c =>
        {
            var target = Find(c.Number);
            if (target is null)
            {
                Sender.Tell(new ConfigRevisionStored(0, NotKept(c.Number)));
                return;
            }
            Store(target.Text, c.Source);
        });
        Command<SubscribeConfig>(OnSubscribe);
        Command<ConfigRevisionOutcome>(o =>
        {
            var member = MemberFor(o.Node, Sender);
            member.Running = o.Running;
            member.LastOutcome = o;
            if (!o.Applied)
                _log.Warning("Config revision {0} rejected by {1}: {2}", o.Revision, o.Node, string.Join("; ", o.Problems));
        });
        Command<GetConfigRevision>(g => Sender.Tell(new ConfigRevisionReply(g.Number is { } n ? Find(n) : _revisions.Last?.Value,
            _latest, _revisions.Select(r => r.Number).ToList())));
        Command<GetConfigStatus>(_ => Sender.Tell(new ConfigStatus(_latest,
            _members.Values.OrderBy(m => m.Node, StringComparer.Ordinal)
                .Select(m => new MemberConfigState(m.Node, m.Running, m.LastOutcome)).ToList())));
        Command<Terminated>(t =>
        {
            foreach (var (node, member) in _members.Where(kv => kv.Value.Agent.Equals(t.ActorRef)).ToList())
                _members.Remove(node);
        });
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(f => _log.Warning("Config revisions: snapshot not saved: {0}", f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("Config revisions: old journal rows not deleted: {0}", f.Cause.Message));
    }

    public override string PersistenceId => "config-revisions";

    public static Props Props() => Akka.Actor.Props.Create(() => new ConfigRevisionStore());

    private void Store(string text, string source)
    {
        if (_revisions.Last?.Value is { } latest && latest.Text == text)
        {
            // The same text again (nodes that saw one file change, an apply repeated): the latest revision is it.
            Sender.Tell(new ConfigRevisionStored(latest.Number, null));
            return;
        }
        var revision = new ConfigRevision(_latest + 1, text, source, DateTime.UtcNow);
        var replyTo = Sender;
        Persist(revision, stored =>
        {
            Keep(stored);
            _log.Info("Config revision {0} stored ({1}); pushing to {2} node(s)", stored.Number, stored.Source, _members.Count);
            replyTo.Tell(new ConfigRevisionStored(stored.Number, null));
            var notice = new ConfigRevisionNotice(stored.Number, stored);
            foreach (var member in _members.Values) member.Agent.Tell(notice);
            // The journal holds every revision; a snapshot of the kept ones bounds what a new singleton replays.
            if (LastSequenceNr % Kept == 0) SaveSnapshot(new ConfigRevisionHistory(_revisions.ToList()));
        });
    }

    private void OnSubscribe(SubscribeConfig s)
    {
        var member = MemberFor(s.Node, Sender);
        member.Running = s.RunningRevision;
        Sender.Tell(new ConfigRevisionNotice(_latest, s.RunningRevision < _latest ? _revisions.Last?.Value : null));
    }

    private Member MemberFor(string node, IActorRef agent)
    {
        if (!_members.TryGetValue(node, out var member) || !member.Agent.Equals(agent))
        {
            // A node that restarted registers from a new agent: the old one is forgotten with it.
            if (member is not null) Context.Unwatch(member.Agent);
            member = new Member(node, agent);
            _members[node] = member;
            Context.Watch(agent);
        }
        return member;
    }

    private void Keep(ConfigRevision revision)
    {
        if (revision.Number <= _latest && _revisions.Count > 0) return;
        _revisions.AddLast(revision);
        while (_revisions.Count > Kept) _revisions.RemoveFirst();
        _latest = revision.Number;
    }

    private ConfigRevision? Find(long number) => _revisions.FirstOrDefault(r => r.Number == number);

    private string NotKept(long number) => _latest == 0
        ? "the cluster has no config revision yet"
        : $"revision {number} is not kept (kept: {_revisions.First!.Value.Number}..{_latest})";

    private sealed class Member(string node, IActorRef agent)
    {
        public string Node { get; } = node;
        public IActorRef Agent { get; } = agent;
        public long Running { get; set; }
        public ConfigRevisionOutcome? LastOutcome { get; set; }
    }
}
