using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace Proxy.Node.Hosting;

/// <summary>
/// One log line per membership change, in the operator's words: "node X joined", "node X is leaving",
/// "node X left" at info; "node X is unreachable" and "node X was downed" as warnings. A member that leaves by
/// plan is remembered in <see cref="PlannedLeaves"/> so that the remoting errors its shutdown causes on the
/// survivors (<see cref="PlannedLeaveLogFilter"/>) are not logged as failures.
/// </summary>
public sealed class ClusterMembershipLog : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Cluster _cluster = Cluster.Get(Context.System);

    public ClusterMembershipLog(PlannedLeaves plannedLeaves)
    {
        Receive<ClusterEvent.MemberUp>(e => _log.Info("Cluster: node {0} joined", e.Member.Address));
        Receive<ClusterEvent.MemberLeft>(e =>
        {
            plannedLeaves.Add(e.Member.Address);
            _log.Info("Cluster: node {0} is leaving", e.Member.Address);
        });
        Receive<ClusterEvent.MemberExited>(e => plannedLeaves.Add(e.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(e =>
        {
            if (e.PreviousStatus == MemberStatus.Exiting) _log.Info("Cluster: node {0} left", e.Member.Address);
            // A node that leaves sees every other member removed from its own view as it goes: not news.
            else if (_cluster.SelfMember.Status is not (MemberStatus.Removed or MemberStatus.Exiting or MemberStatus.Down))
                _log.Warning("Cluster: node {0} was removed after being {1}", e.Member.Address, e.PreviousStatus);
        });
        Receive<ClusterEvent.MemberDowned>(e => _log.Warning("Cluster: node {0} was downed", e.Member.Address));
        Receive<ClusterEvent.UnreachableMember>(e => _log.Warning("Cluster: node {0} is unreachable", e.Member.Address));
        Receive<ClusterEvent.ReachableMember>(e => _log.Info("Cluster: node {0} is reachable again", e.Member.Address));
    }

    public static Props Props(PlannedLeaves plannedLeaves) => Akka.Actor.Props.Create(() => new ClusterMembershipLog(plannedLeaves));

    protected override void PreStart() => _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
        typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);
}

/// <summary>Addresses of members that left by plan (Leaving, Exiting) in the last minute, in the two forms remoting
/// logs them: plain and URL-escaped (actor paths of endpoint writers).</summary>
public sealed class PlannedLeaves
{
    private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTime> _until = new(StringComparer.Ordinal);

    public void Add(Address address)
    {
        var until = DateTime.UtcNow + Remembered;
        _until[address.ToString()] = until;
        _until[Uri.EscapeDataString(address.ToString())] = until;
    }

    /// <summary>True when <paramref name="text"/> names a member that left by plan within the last minute.</summary>
    public bool Mentions(string text)
    {
        if (_until.IsEmpty) return false;
        var now = DateTime.UtcNow;
        foreach (var (address, until) in _until)
        {
            if (until < now) _until.TryRemove(address, out _);
            else if (text.Contains(address, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
