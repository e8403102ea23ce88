using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary><c>limits</c>: each rate limit with its rate, burst, store, keys tracked and cluster-wide decisions.</summary>
public sealed class LimitsCommand(PbmIo io) : PbmCommand<PbmSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, PbmSettings settings, AdminClient client, CancellationToken cancellationToken)
    {
        var answer = await client.GetAsync<LimitList>("api/limits", cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, list =>
        {
            var table = NewTable("Limit", "Rate", "Burst", "Store", "On failure", "Keys", "Allowed", "Rejected");
            foreach (var l in list.Limits)
                table.AddRow(Markup.Escape(l.Name), Markup.Escape(l.Rate), l.Burst.ToString(), Markup.Escape(l.Store),
                    Markup.Escape(l.OnStoreFailure), l.Keys.ToString(), l.Allowed.ToString(), l.Rejected.ToString());
            Io.Console.Write(table);
            Io.Console.WriteLine($"Count: {Count(list.Limits.Count, "limit")}");
            if (list.Unanswered.Count > 0) Io.Console.WriteLine($"Not counted (no answer): {string.Join(", ", list.Unanswered)}");
        });
    }
}
