using Proxy.Shared.Configuration;

namespace Proxy.Shared.Admin;

/// <summary><c>pbm config verify</c>: OK, or every problem the node found (path and message).</summary>
public sealed record ConfigCheckView(bool Ok, IReadOnlyList<ConfigProblem> Problems);

/// <summary><c>pbm config apply</c> / <c>rollback</c>: the revision stored, and each member's answer to it so far.</summary>
/// <param name="Complete">Every member answered within the wait.</param>
public sealed record ConfigApplyView(long Revision, bool Complete, IReadOnlyList<MemberRevisionView> Members);

/// <summary><c>pbm config status</c>: the cluster's latest revision and every member's.</summary>
/// <param name="Drift">Members not running the latest revision.</param>
public sealed record ConfigStatusView(long Latest, IReadOnlyList<MemberRevisionView> Members, IReadOnlyList<string> Drift);

/// <summary>One member's config.</summary>
/// <param name="Running">The revision it runs (0: its own config file).</param>
/// <param name="State"><c>current</c> (runs the latest), <c>rejected</c> (kept an older one; see problems) or
/// <c>pending</c> (has not answered for the latest yet).</param>
/// <param name="Revision">The revision its last answer was about.</param>
public sealed record MemberRevisionView(string Node, long Running, string State, long? Revision, IReadOnlyList<ConfigProblem> Problems);

/// <summary><c>pbm config show</c>: a revision's text, secrets redacted.</summary>
public sealed record ConfigRevisionView(long Revision, long Latest, string Source, DateTime StoredAt, string Text);

/// <summary><c>GET /api/status</c>: this node at a glance.</summary>
/// <param name="Revision">The config revision it runs (0: its own file) and the cluster's latest (null: unknown yet).</param>
public sealed record NodeStatusView(string Node, string Version, double UptimeSeconds, bool Ready, string? NotReady, long Revision,
    long? LatestRevision, IReadOnlyList<ListenerStatusView> Listeners, IReadOnlyList<MemberStatusCount> Members);

public sealed record ListenerStatusView(string Name, string Address, string Mode, int Connections);

public sealed record MemberStatusCount(string Status, int Count);
