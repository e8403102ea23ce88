using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary><c>weight POOL BACKEND N</c>: persisted, applied on every node (the node validates N).</summary>
public sealed class BackendWeightCommand(PbmIo io) : PbmCommand<WeightSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, WeightSettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        var answer = await client.PostAsync<ChangeView>(
            $"api/pools/{Escape(settings.Pool)}/weight?backend={Escape(settings.Backend)}&value={Escape(settings.Weight)}",
            cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, view =>
            Io.Console.MarkupLineInterpolated($"pool {view.Pool}: {view.Message} (version {view.Version})"));
    }
}
