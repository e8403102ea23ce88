using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary><c>cluster sharding shard-stats TYPE</c>: every shard, its node and its entity count.</summary>
public sealed class ShardStatsCommand(PbmIo io) : PbmCommand<ShardTypeSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, ShardTypeSettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        var answer = await client.GetAsync<ShardStatsView>($"api/sharding/regions/{Escape(settings.Type)}/shards", cancellationToken)
            .ConfigureAwait(false);
        return Print(settings, answer, view =>
        {
            var table = NewTable("Shard", "Region (node)", "Entities").Title(Markup.Escape(view.Type));
            foreach (var s in view.Shards) table.AddRow(Markup.Escape(s.Shard), Markup.Escape(s.Address), s.Entities.ToString());
            Io.Console.Write(table);
            Io.Console.WriteLine($"Count: {Count(view.Shards.Count, "shard")}");
            if (view.Failed.Count > 0) Io.Console.WriteLine($"Did not answer: {string.Join(", ", view.Failed)}");
        });
    }
}
