using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands.Cache;

/// <summary><c>cache purge URL | --prefix PATH | --tag TAG</c>: carried out by every member; each one's acknowledgement
/// (responses removed) is printed. Exit 1 when a member did not answer (it is named).</summary>
public sealed class CachePurgeCommand(PbmIo io) : PbmCommand<CachePurgeSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, CachePurgeSettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        var query = settings.Url is not null ? "url=" + Escape(settings.Url)
            : settings.Prefix is not null ? "prefix=" + Escape(settings.Prefix)
            : "tag=" + Escape(settings.Tag!);
        var (status, json) = await client.PostAsync($"api/cache/purge?{query}", [504], cancellationToken).ConfigureAwait(false);
        var view = client.Read<CachePurgeView>(json, "api/cache/purge");
        var printed = Print(settings, (view, json), purge =>
        {
            Io.Console.MarkupLineInterpolated($"purged {purge.Purged}");
            var table = NewTable("Member", "Removed");
            foreach (var ack in purge.Members) table.AddRow(Markup.Escape(ack.Node), ack.Removed.ToString());
            Io.Console.Write(table);
            if (purge.Unanswered.Count > 0) Io.Console.WriteLine($"No answer (not purged there, or not confirmed): {string.Join(", ", purge.Unanswered)}");
        });
        return status == 504 ? 1 : printed;
    }
}
