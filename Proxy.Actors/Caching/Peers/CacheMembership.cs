using Akka.Actor;
using Akka.Cluster;
using Proxy.Actors.Pools;
using Proxy.Shared.Caching;

namespace Proxy.Actors.Caching.Peers;

/// <summary>
/// Keeps <see cref="CacheOwners"/> equal to the cluster (E5): the Up and reachable members, each with the internal
/// cache listener its cache agent names (asked once per member, again every second until it answers). A member that
/// leaves, is removed or becomes unreachable leaves the ring at once, so its keys go to the others (cold misses, never
/// errors); one that becomes reachable again comes back. The kept-alive connections to the other members' listeners
/// are closed after a minute idle, and when the member goes. Once the node's ring is complete (every Up member's listener
/// known, or <see cref="JoinedAfter"/> after this node was first in it), <c>joined</c> runs, once (cache warming).
/// </summary>
public sealed class CacheMembership : ReceiveActor, IWithTimers
{
    public const string Name = "cache-membership";

    private static readonly TimeSpan AskEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PeerIdleTimeout = TimeSpan.FromSeconds(60);
    /// <summary>How long the node waits for the other members' listeners before it counts itself joined anyway.</summary>
    public static readonly TimeSpan JoinedAfter = TimeSpan.FromSeconds(5);

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly CacheOwners _owners;
    private readonly Dictionary<string, MemberState> _members = new(StringComparer.Ordinal);
    private Action? _joined;

    public ITimerScheduler Timers { get; set; } = null!;

    public CacheMembership(CacheOwners owners, Action? joined = null)
    {
        _owners = owners;
        _joined = joined;
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var member in state.Members.Where(m => m.Status == MemberStatus.Up))
                MemberUp(member.Address, reachable: !state.Unreachable.Contains(member));
            Publish();
        });
        Receive<ClusterEvent.MemberUp>(e =>
        {
            MemberUp(e.Member.Address, reachable: true);
            Publish();
        });
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            // Leaving, exited, removed, downed: its keys move to the others now (its listeners close as it drains).
            if (e.Member.Status is MemberStatus.Leaving or MemberStatus.Exiting or MemberStatus.Removed or MemberStatus.Down) Left(e.Member.Address);
        });
        Receive<ClusterEvent.UnreachableMember>(e => Reachability(e.Member.Address, reachable: false));
        Receive<ClusterEvent.ReachableMember>(e => Reachability(e.Member.Address, reachable: true));
        Receive<CachePeer>(OnPeer);
        Receive<HostResolved>(resolved =>
        {
            if (!_members.TryGetValue(resolved.Node, out var state)) return;
            state.Addresses.UnionWith(resolved.Addresses);
            PublishPeerAddresses();
        });
        Receive<JoinedTimeout>(_ => RingComplete());
        Receive<AskMissing>(_ =>
        {
            foreach (var (node, state) in _members)
                if (state.Peer is null && !state.Self && !state.NoListener) Ask(node);
            foreach (var state in _members.Values) state.Peer?.Connections.EvictIdle(PeerIdleTimeout);
        });
    }

    public static Props Props(CacheOwners owners, Action? joined = null) => Akka.Actor.Props.Create(() => new CacheMembership(owners, joined));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer(nameof(AskMissing), AskMissing.Instance, AskEvery);
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        _owners.Publish([]);
        foreach (var state in _members.Values) state.Peer?.Connections.Dispose();
    }

    private void MemberUp(Address address, bool reachable)
    {
        var node = address.ToString();
        if (_members.ContainsKey(node)) return;
        _members[node] = new MemberState { Self = address == _cluster.SelfAddress, Reachable = reachable };
        if (address == _cluster.SelfAddress) return;
        Ask(node);
        Resolve(node, address.Host);
    }

    private void Left(Address address)
    {
        if (!_members.Remove(address.ToString(), out var state)) return;
        state.Peer?.Connections.Dispose();
        PublishPeerAddresses();
        Publish();
    }

    private void Reachability(Address address, bool reachable)
    {
        if (!_members.TryGetValue(address.ToString(), out var state) || state.Reachable == reachable) return;
        state.Reachable = reachable;
        Publish();
    }

    private void Ask(string node) =>
        Context.ActorSelection(new RootActorPath(Address.Parse(node)) / "user" / CacheAgent.Name).Tell(GetCachePeer.Instance);

    private void OnPeer(CachePeer peer)
    {
        if (!_members.TryGetValue(peer.Node, out var state) || state.Self || state.Peer is not null) return;
        if (peer.Port == 0)
        {
            // Its cache-cluster is off: it caches on its own and owns nothing.
            state.NoListener = true;
            Publish();
            return;
        }
        Resolve(peer.Node, peer.Host);
        state.Peer = CacheOwners.Listener(peer.Host, peer.Port, PeerIdleTimeout);
        Publish();
    }

    /// <summary>What a member's host name resolves to, for <see cref="CacheOwners.IsPeer"/> (its connections come from
    /// there).</summary>
    private void Resolve(string node, string? host)
    {
        if (string.IsNullOrEmpty(host)) return;
        if (System.Net.IPAddress.TryParse(host, out var ip))
        {
            Self.Tell(new HostResolved(node, [ip]));
            return;
        }
        System.Net.Dns.GetHostAddressesAsync(host).PipeTo(Self, success: addresses => new HostResolved(node, addresses),
            failure: _ => new HostResolved(node, []));
    }

    private void PublishPeerAddresses() => _owners.PublishPeerAddresses(_members.Values.SelectMany(m => m.Addresses));

    private void Publish()
    {
        _owners.Publish(_members
            .Where(m => m.Value.Reachable && (m.Value.Self || m.Value.Peer is not null))
            .Select(m => (m.Key, m.Value.Self ? null : m.Value.Peer)));
        if (_joined is null || !_members.Values.Any(m => m.Self)) return;
        if (_members.Values.All(m => m.Self || m.Peer is not null || m.NoListener || !m.Reachable)) RingComplete();
        else if (!Timers.IsTimerActive(nameof(JoinedTimeout))) Timers.StartSingleTimer(nameof(JoinedTimeout), JoinedTimeout.Instance, JoinedAfter);
    }

    /// <summary>The node has joined the cluster's cache: <c>joined</c> runs, once.</summary>
    private void RingComplete()
    {
        var joined = _joined;
        _joined = null;
        Timers.Cancel(nameof(JoinedTimeout));
        joined?.Invoke();
    }

    private sealed class MemberState
    {
        public bool Self { get; init; }
        public bool Reachable { get; set; }
        /// <summary>Its internal cache listener, once its agent named it.</summary>
        public Backend? Peer { get; set; }
        /// <summary>Its agent said it has none.</summary>
        public bool NoListener { get; set; }
        /// <summary>What its cluster host and its listener's host resolve to.</summary>
        public HashSet<System.Net.IPAddress> Addresses { get; } = [];
    }

    private sealed record HostResolved(string Node, System.Net.IPAddress[] Addresses);

    private sealed class AskMissing
    {
        public static readonly AskMissing Instance = new();
    }

    private sealed class JoinedTimeout
    {
        public static readonly JoinedTimeout Instance = new();
    }
}
