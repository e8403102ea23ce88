using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary><c>cluster sharding region-stats TYPE</c>: shards and entities per node.</summary>
public sealed class RegionStatsCommand(PbmIo io) : PbmCommand<ShardTypeSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, ShardTypeSettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        var answer = await client.GetAsync<RegionStatsView>($"api/sharding/regions/{Escape(settings.Type)}", cancellationToken)
            .ConfigureAwait(false);
        return Print(settings, answer, view =>
        {
            var table = NewTable("Region (node)", "Shards", "Entities").Title(Markup.Escape(view.Type));
            foreach (var r in view.Regions) table.AddRow(Markup.Escape(r.Address), r.Shards.ToString(), r.Entities.ToString());
            Io.Console.Write(table);
            Io.Console.WriteLine($"Total: {Count(view.Regions.Sum(r => r.Shards), "shard")}, {Count(view.Regions.Sum(r => r.Entities), "entity", "entities")}");
            if (view.Failed.Count > 0) Io.Console.WriteLine($"Did not answer: {string.Join(", ", view.Failed)}");
        });
    }
}
