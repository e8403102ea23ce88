using System.Text.Json.Serialization;

namespace Proxy.Shared.Admin;

/// <summary>
/// One line of <c>GET /api/cluster/events</c> (<c>pbm cluster tail</c>), NDJSON: first a <c>member-snapshot</c> per
/// member as this node sees it, then every membership and reachability event as it happens. Optional properties are
/// left out when they do not apply; the shapes are locked by <c>Proxy.Tests/Admin/PbmInspectionSpec.cs</c>.
/// </summary>
/// <param name="Event">One of the names in <see cref="ClusterEventNames"/>.</param>
/// <param name="Address">The member's full Akka address; for <c>leader-changed</c> the new leader, null when there is none.</param>
/// <param name="Status">Snapshots only: Joining, WeaklyUp, Up, Leaving, Exiting, Down or Removed.</param>
/// <param name="Reachable">Snapshots only: false when this node's failure detector marks the member unreachable.</param>
/// <param name="PreviousStatus"><c>member-removed</c> only: the status the member had before (Exiting after a graceful
/// leave, Down after a down).</param>
/// <param name="At">When this node saw it (UTC).</param>
public sealed record ClusterEventView(
    string Event,
    string? Address,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Reachable,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PreviousStatus,
    DateTime At);

/// <summary>The values of <see cref="ClusterEventView.Event"/>.</summary>
public static class ClusterEventNames
{
    public const string MemberSnapshot = "member-snapshot";
    public const string MemberJoined = "member-joined";
    public const string MemberUp = "member-up";
    public const string MemberWeaklyUp = "member-weakly-up";
    /// <summary>The member is Leaving (it asked to leave, or was asked to).</summary>
    public const string MemberLeft = "member-left";
    public const string MemberExited = "member-exited";
    public const string MemberRemoved = "member-removed";
    public const string MemberDowned = "member-downed";
    public const string Unreachable = "unreachable";
    public const string Reachable = "reachable";
    public const string LeaderChanged = "leader-changed";
}
