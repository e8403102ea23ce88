using System.Globalization;
using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary><c>pool ID</c>: each backend's health, breaker, drain flag, weight, in-flight, error rate and latency, cluster-wide.</summary>
public sealed class PoolCommand(PbmIo io) : PbmCommand<PoolIdSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, PoolIdSettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        var answer = await client.GetAsync<PoolView>($"api/pools/{Escape(settings.Pool)}", cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, pool =>
        {
            var table = new Table().Border(TableBorder.Rounded)
                .Title(Markup.Escape($"pool {pool.Pool} ({pool.Policy}), version {pool.Version}; errors and latency over the last 10 s"))
                .AddColumns("Backend", "Healthy", "Breaker", "Drained", "Weight", "In-flight", "Errors", "Latency", "Ejected");
            foreach (var b in pool.Backends)
                table.AddRow(Markup.Escape(b.Address), b.Healthy ? "yes" : "[red]no[/]", BreakerMarkup(b.Breaker),
                    b.Drained ? "[yellow]drained[/]" : "no", b.Weight.ToString(CultureInfo.InvariantCulture),
                    b.InFlight.ToString(CultureInfo.InvariantCulture), (b.ErrorRate * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %",
                    b.LatencyMs.ToString("0.0", CultureInfo.InvariantCulture) + " ms", b.Ejected ? "[red]yes[/]" : "no");
            Io.Console.Write(table);
            if (pool.Stale is { } stale) Io.Console.MarkupLineInterpolated($"[yellow]{stale}[/]");
        });
    }

    private static string BreakerMarkup(string breaker) => breaker switch
    {
        "open" => "[red]open[/]",
        "half-open" => "[yellow]half-open[/]",
        _ => Markup.Escape(breaker),
    };
}
