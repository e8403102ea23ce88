using System.Globalization;
using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands.Cache;

/// <summary><c>cache stats</c>: each route's cache per node (entries, bytes, hits, misses, stale, coalesced waits, hit
/// ratio), then the routes' totals over the cluster.</summary>
public sealed class CacheStatsCommand(PbmIo io) : PbmCommand<PbmSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, PbmSettings settings, AdminClient client, CancellationToken cancellationToken)
    {
        var answer = await client.GetAsync<CacheStatsView>("api/cache/stats", cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, view =>
        {
            if (view.Totals.Count == 0)
            {
                Io.Console.WriteLine("No route has a cache.");
            }
            else
            {
                var table = NewTable("Node", "Route", "Entries", "Bytes", "Hits", "Misses", "Stale", "Coalesced", "From owner", "Hit ratio");
                foreach (var row in view.Nodes.Concat(view.Totals))
                    table.AddRow(Markup.Escape(row.Node ?? "(all)"), Markup.Escape(row.Route), Number(row.Entries), Number(row.Bytes),
                        Number(row.Hits), Number(row.Misses), Number(row.Stale), Number(row.Coalesced), Number(row.FromOwner),
                        (row.HitRatio * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %");
                Io.Console.Write(table);
            }
            foreach (var owners in view.Owners)
                Io.Console.WriteLine(owners.Members.Count == 0
                    ? $"{owners.Node}: caches on its own (cache-cluster off, or not Up yet)"
                    : $"{owners.Node}: keys spread over {owners.Members.Count} member(s)");
            if (view.Unanswered.Count > 0) Io.Console.WriteLine($"Not counted (no answer): {string.Join(", ", view.Unanswered)}");
        });
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
