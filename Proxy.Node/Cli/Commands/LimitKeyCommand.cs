using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary><c>limit NAME KEY</c>: the key's remaining tokens and the nodes holding leases on it.</summary>
public sealed class LimitKeyCommand(PbmIo io) : PbmCommand<LimitKeySettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, LimitKeySettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        var answer = await client.GetAsync<LimitKeyView>($"api/limits/{Escape(settings.Limit)}?key={Escape(settings.Key)}", cancellationToken)
            .ConfigureAwait(false);
        return Print(settings, answer, view =>
        {
            Io.Console.WriteLine($"limit {view.Limit}, key {view.Key}: {view.Remaining} of {view.Burst} tokens in the bucket");
            Io.Console.WriteLine(view.LeaseHolders.Count == 0
                ? "no node holds a lease"
                : "leases held by: " + string.Join(", ", view.LeaseHolders));
        });
    }
}
