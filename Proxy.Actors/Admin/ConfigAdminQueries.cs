using Akka.Actor;
using Proxy.Actors.ConfigRevisions;
using Proxy.Shared.Admin;
using Proxy.Shared.Configuration;
using Proxy.Shared.ConfigRevisions;

namespace Proxy.Actors.Admin;

/// <summary>
/// O6, the config palette of the admin API (<c>pbm config verify|apply|status|show|rollback</c>). A revision is checked
/// by the node that receives it first (a bad one is refused with its problems and nothing is stored), then stored by
/// the cluster's <see cref="ConfigRevisionStore"/>, which pushes it to every member; apply and rollback answer once every
/// member has answered (or the wait is over) with each member's outcome.
/// </summary>
public sealed class ConfigAdminQueries(IActorRef store, IConfigRevisionApplier applier, string node, TimeSpan timeout)
{
    /// <summary>How long apply and rollback wait for the members' answers by default.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);

    public AdminResult Verify(string text)
    {
        var problems = applier.Verify(text);
        return new AdminResult(problems.Count == 0 ? 200 : 422, new ConfigCheckView(problems.Count == 0, problems));
    }

    public async Task<AdminResult> ApplyAsync(string text, string? source, TimeSpan wait)
    {
        var problems = applier.Verify(text);
        if (problems.Count > 0) return new AdminResult(422, new ConfigCheckView(false, problems));
        return await StoreAsync(new StoreConfigRevision(text, Source("apply", source)), wait).ConfigureAwait(false);
    }

    public async Task<AdminResult> RollbackAsync(long number, string? source, TimeSpan wait)
    {
        if (await AskAsync<ConfigRevisionReply>(new GetConfigRevision(number)).ConfigureAwait(false) is not { } reply) return StoreSilent();
        if (reply.Revision is not { } revision) return NotKept(number, reply);
        // Checked again here: the node's files may have changed since that revision ran.
        var problems = applier.Verify(revision.Text);
        if (problems.Count > 0) return new AdminResult(422, new ConfigCheckView(false, problems));
        return await StoreAsync(new RollBackConfig(number, Source($"rollback to {number}", source)), wait).ConfigureAwait(false);
    }

    public async Task<AdminResult> StatusAsync()
    {
        if (await AskAsync<ConfigStatus>(GetConfigStatus.Instance).ConfigureAwait(false) is not { } status) return StoreSilent();
        var members = status.Members.Select(m => View(m, status.Latest)).ToList();
        return new AdminResult(200, new ConfigStatusView(status.Latest, members,
            members.Where(m => m.Running < status.Latest).Select(m => m.Node).ToList()));
    }

    public async Task<AdminResult> ShowAsync(long? number)
    {
        if (await AskAsync<ConfigRevisionReply>(new GetConfigRevision(number)).ConfigureAwait(false) is not { } reply) return StoreSilent();
        if (reply.Revision is not { } revision)
            return number is { } n ? NotKept(n, reply)
                : new AdminResult(404, new ErrorView("the cluster has no config revision yet: every node runs its own config file (pbm config apply FILE makes one)"));
        return new AdminResult(200, new ConfigRevisionView(revision.Number, reply.Latest, revision.Source, revision.StoredAt,
            ConfigTextRedactor.Redact(revision.Text)));
    }

    private async Task<AdminResult> StoreAsync(IConfigStoreCommand command, TimeSpan wait)
    {
        if (await AskAsync<ConfigRevisionStored>(command).ConfigureAwait(false) is not { } stored) return StoreSilent();
        if (stored.Error is { } error) return new AdminResult(404, new ErrorView(error));
        // Every member answers for the revision (applied or rejected); the answer lists them as they stand.
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var status = await AskAsync<ConfigStatus>(GetConfigStatus.Instance).ConfigureAwait(false);
            var members = status?.Members.Select(m => View(m, stored.Number)).ToList() ?? [];
            var complete = status is not null && members.All(m => m.State != "pending");
            if (complete || DateTime.UtcNow >= deadline)
                return new AdminResult(200, new ConfigApplyView(stored.Number, complete, members));
            await Task.Delay(Poll).ConfigureAwait(false);
        }
    }

    private static MemberRevisionView View(MemberConfigState member, long latest)
    {
        var outcome = member.LastOutcome;
        var state = member.Running >= latest ? "current"
            : outcome is { Applied: false } && outcome.Revision >= latest ? "rejected"
            : "pending";
        return new MemberRevisionView(member.Node, member.Running, state, outcome?.Revision,
            state == "rejected" ? outcome!.Problems : []);
    }

    private string Source(string what, string? given)
    {
        var by = given is { Length: > 0 } ? new string(given.Where(c => !char.IsControl(c)).Take(200).ToArray()) : "admin API";
        return $"{what}: {by} (via {node})";
    }

    private async Task<T?> AskAsync<T>(object message) where T : class
    {
        try
        {
            return await store.Ask<T>(message, timeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TaskCanceledException or TimeoutException or AskTimeoutException)
        {
            return null;
        }
    }

    private AdminResult StoreSilent() => new(504, new ErrorView(
        $"the cluster's config store did not answer within {timeout.TotalSeconds:0} s (it starts on the oldest member; try again)"));

    private static AdminResult NotKept(long number, ConfigRevisionReply reply) => new(404, new ErrorView(reply.Latest == 0
        ? "the cluster has no config revision yet"
        : $"revision {number} is not kept (kept: {string.Join(", ", reply.Kept)})"));
}
