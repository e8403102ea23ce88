using Proxy.Shared.Cluster;
using Proxy.Shared.Configuration;

namespace Proxy.Shared.ConfigRevisions;

/// <summary>
/// O6: one config revision of the whole cluster: the config file's HOCON text as it was applied (each node resolves
/// its <c>${?VAR}</c> substitutions and <c>PROXY__…</c> overrides with its own environment), numbered from 1 by the
/// cluster's <c>ConfigRevisionStore</c>, which persists it (the journal event) and pushes it to every node.
/// </summary>
/// <param name="Source">Who made it: "pbm config apply", "SIGHUP on NODE", "rollback to 3 (pbm)", …</param>
public sealed record ConfigRevision(long Number, string Text, string Source, DateTime StoredAt) : IClusterMessage;

/// <summary>Messages for the cluster's config revision store (a cluster singleton).</summary>
public interface IConfigStoreCommand : IClusterMessage;

/// <summary>Store <paramref name="Text"/> as the next revision and push it to every node (the caller validated it).
/// Answered with <see cref="ConfigRevisionStored"/>.</summary>
public sealed record StoreConfigRevision(string Text, string Source) : IConfigStoreCommand;

/// <summary>Store revision <paramref name="Number"/>'s text again as the next revision. Answered with
/// <see cref="ConfigRevisionStored"/> (an error when that revision is not kept).</summary>
public sealed record RollBackConfig(long Number, string Source) : IConfigStoreCommand;

/// <summary>The answer to a store or roll-back: the new revision's number, or why nothing was stored.</summary>
public sealed record ConfigRevisionStored(long Number, string? Error) : IClusterMessage;

/// <summary>
/// A node's config agent registers (the sender is the agent) with the revision it runs. The store answers with
/// <see cref="ConfigRevisionNotice"/>, remembers the agent and pushes every later revision to it. Agents send it on
/// start and then periodically: a node that missed a push, a new node and a new store (after the singleton moved)
/// all catch up that way.
/// </summary>
public sealed record SubscribeConfig(string Node, long RunningRevision) : IConfigStoreCommand;

/// <summary>The latest revision number and, when it is newer than what the agent runs, the revision itself. Latest 0:
/// the cluster has no revision yet (every node runs its own file).</summary>
public sealed record ConfigRevisionNotice(long Latest, ConfigRevision? Revision) : IClusterMessage;

/// <summary>What a node made of a revision: applied (it runs it now) or rejected with the problems it found (it keeps
/// running <paramref name="Running"/>).</summary>
public sealed record ConfigRevisionOutcome(string Node, long Revision, bool Applied, long Running,
    IReadOnlyList<ConfigProblem> Problems, DateTime At) : IConfigStoreCommand;

/// <summary>Asks for revision <paramref name="Number"/> (null: the latest). Answered with <see cref="ConfigRevisionReply"/>.</summary>
public sealed record GetConfigRevision(long? Number) : IConfigStoreCommand;

/// <param name="Revision">Null when there is none (no revision yet, or that one is not kept).</param>
/// <param name="Kept">The revisions the store keeps, oldest first (for the error message).</param>
public sealed record ConfigRevisionReply(ConfigRevision? Revision, long Latest, IReadOnlyList<long> Kept) : IClusterMessage;

/// <summary>Asks for every member's revision. Answered with <see cref="ConfigStatus"/>.</summary>
public sealed record GetConfigStatus : IConfigStoreCommand
{
    public static readonly GetConfigStatus Instance = new();
}

/// <param name="Latest">The cluster's latest revision (0: none yet).</param>
/// <param name="Members">Every node whose agent is registered, by address.</param>
public sealed record ConfigStatus(long Latest, IReadOnlyList<MemberConfigState> Members) : IClusterMessage;

/// <summary>One node's config as the store knows it.</summary>
/// <param name="Running">The revision the node runs (0: its own file).</param>
/// <param name="LastOutcome">Its answer to the last revision it was given, if any.</param>
public sealed record MemberConfigState(string Node, long Running, ConfigRevisionOutcome? LastOutcome);

/// <summary>The store's journal snapshot: the revisions it keeps (the latest ones), oldest first.</summary>
public sealed record ConfigRevisionHistory(IReadOnlyList<ConfigRevision> Revisions) : IClusterMessage;
