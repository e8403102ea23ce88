using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary><c>drain|undrain POOL BACKEND</c> (the verb is the command's data): persisted, applied on every node.</summary>
public sealed class BackendDrainCommand(PbmIo io) : PbmCommand<BackendSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, BackendSettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        var verb = (string)context.Data!;
        var answer = await client.PostAsync<ChangeView>(
            $"api/pools/{Escape(settings.Pool)}/{verb}?backend={Escape(settings.Backend)}", cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, view =>
            Io.Console.MarkupLineInterpolated($"pool {view.Pool}: {view.Message} (version {view.Version})"));
    }
}
