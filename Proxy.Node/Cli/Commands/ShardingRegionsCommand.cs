using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary><c>cluster sharding regions</c>: the shard types started on the node.</summary>
public sealed class ShardingRegionsCommand(PbmIo io) : PbmCommand<PbmSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, PbmSettings settings, AdminClient client, CancellationToken cancellationToken)
    {
        var answer = await client.GetAsync<RegionList>("api/sharding/regions", cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, list =>
        {
            foreach (var region in list.Regions) Io.Console.WriteLine(region);
            Io.Console.WriteLine($"Count: {list.Regions.Count} regions");
        });
    }
}
