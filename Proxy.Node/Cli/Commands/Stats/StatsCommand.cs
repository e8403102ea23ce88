using Proxy.Shared.Admin;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands.Stats;

/// <summary><c>stats</c>: the cluster's last seconds per route and per backend — requests/s, error %, p50/p99 — every
/// member asked and added up; members that did not answer are named.</summary>
public sealed class StatsCommand(PbmIo io) : PbmCommand<PbmSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, PbmSettings settings, AdminClient client, CancellationToken cancellationToken)
    {
        var answer = await client.GetAsync<StatsView>("api/stats", cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, view => Io.Console.Write(StatsTables.Render(this, view)));
    }
}
