using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary><c>cluster leave|down|join ADDRESS</c> (the verb is the command's data).</summary>
public sealed class ClusterMemberCommand(PbmIo io) : PbmCommand<MemberAddressSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, MemberAddressSettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        var verb = (string)context.Data!;
        var answer = await client.PostAsync<MemberCommandView>($"api/cluster/{verb}?address={Escape(settings.Address)}",
            cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, view => Io.Console.MarkupLineInterpolated($"{view.Command} {view.Address}: {view.Message}"));
    }
}
