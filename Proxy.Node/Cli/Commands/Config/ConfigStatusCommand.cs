using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands.Config;

/// <summary><c>config status</c>: the cluster's latest revision, every member's revision and answer, and the drift.</summary>
public sealed class ConfigStatusCommand(PbmIo io) : PbmCommand<PbmSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, PbmSettings settings, AdminClient client, CancellationToken cancellationToken)
    {
        var answer = await client.GetAsync<ConfigStatusView>("api/config/status", cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, view =>
        {
            if (view.Latest == 0) Io.Console.MarkupLine("No config revision yet: every member runs its own config file");
            else Io.Console.MarkupLineInterpolated($"Latest revision: {view.Latest}");
            ConfigFiles.PrintMembers(Io, this, view.Members);
            if (view.Drift.Count == 0) Io.Console.MarkupLineInterpolated($"Drift: none ({Count(view.Members.Count, "member")})");
            else Io.Console.MarkupLineInterpolated($"Drift: {view.Drift.Count} member(s) not on revision {view.Latest}: {string.Join(", ", view.Drift)}");
        });
    }
}
