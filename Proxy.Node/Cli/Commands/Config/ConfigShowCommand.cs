using System.Globalization;
using Proxy.Shared.Admin;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands.Config;

/// <summary><c>config show [--revision N]</c>: a revision's text (secrets redacted), after a comment line saying which
/// revision it is, who made it and when.</summary>
public sealed class ConfigShowCommand(PbmIo io) : PbmCommand<ConfigShowSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, ConfigShowSettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        var path = settings.Revision is { } n ? "api/config?revision=" + n.ToString(CultureInfo.InvariantCulture) : "api/config";
        var answer = await client.GetAsync<ConfigRevisionView>(path, cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, view =>
        {
            // Plain text, not markup: the HOCON goes out as it is (a file one can apply again, secrets aside).
            Io.Out.WriteLine($"# revision {view.Revision} of {view.Latest}: {view.Source}, stored {view.StoredAt:u}");
            Io.Out.Write(view.Text.EndsWith('\n') ? view.Text : view.Text + "\n");
        });
    }
}
