using Akka.Actor;
using Akka.Cluster;
using Proxy.Shared.Stats;

namespace Proxy.Actors.Metrics;

/// <summary>The node's stats agent (<c>/user/stats</c>): answers any member's <see cref="GetLiveStats"/> with this node's
/// <see cref="LiveStats"/> window, for <c>pbm stats</c> and <c>pbm top</c> asked through any node.</summary>
public sealed class LiveStatsAgent : ReceiveActor
{
    public const string Name = "stats";

    public LiveStatsAgent(LiveStats? stats)
    {
        var node = Cluster.Get(Context.System).SelfAddress.ToString();
        Receive<GetLiveStats>(_ => Sender.Tell(stats?.Snapshot(node) ?? new LiveStatsSnapshot(node, LiveStats.WindowSeconds, [], [])));
    }

    public static Props Props(LiveStats? stats) => Akka.Actor.Props.Create(() => new LiveStatsAgent(stats));
}
