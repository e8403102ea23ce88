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
            Io.Console.Write(Io.Console.Profile.Width >= WideLayout ? Wide(pool) : Compact(pool));
            if (pool.Stale is { } stale) Io.Console.MarkupLineInterpolated($"[yellow]{stale}[/]");
        });
    }

    /// <summary>Terminal width from which the bordered table with full column names fits.</summary>
    private const int WideLayout = 110;

    private static Table Wide(PoolView pool)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"pool {pool.Pool} ({pool.Policy}), version {pool.Version}; errors and latency over the last 10 s"))
            .AddColumns("Backend", "Health", "Breaker", "Drained", "Weight", "In-flight", "Errors", "Latency", "Ejected");
        foreach (var b in pool.Backends)
            table.AddRow(Markup.Escape(b.Address), HealthMarkup(b.Health), BreakerMarkup(b.Breaker),
                b.Drained ? "[yellow]drained[/]" : "no", Number(b.Weight), Number(b.InFlight), Percent(b.ErrorRate) + " %",
                Decimal(b.LatencyMs) + " ms", b.Ejected ? "[red]yes[/]" : "no");
        return table;
    }

    /// <summary>Fits 80 columns with an address up to 21 characters ([v6]:port): no borders, drained and ejected in
    /// one State column, units in the headers.</summary>
    private static Table Compact(PoolView pool)
    {
        var table = new Table().Border(TableBorder.None)
            .Title(Markup.Escape($"pool {pool.Pool} ({pool.Policy}) v{pool.Version}, last 10 s"))
            .AddColumns("Backend", "Health", "Breaker", "State", "Weight", "Busy", "Err %", "Lat ms");
        foreach (var b in pool.Backends)
            table.AddRow(Markup.Escape(b.Address), HealthMarkup(b.Health), BreakerMarkup(b.Breaker),
                b.Ejected ? "[red]ejected[/]" : b.Drained ? "[yellow]drained[/]" : "active", Number(b.Weight), Number(b.InFlight),
                Percent(b.ErrorRate), Decimal(b.LatencyMs));
        return table;
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Percent(double rate) => (rate * 100).ToString("0.0", CultureInfo.InvariantCulture);

    private static string Decimal(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    private static string HealthMarkup(string health) => health switch
    {
        "down" => "[red]down[/]",
        "unknown" => "[grey]unknown[/]",
        _ => Markup.Escape(health),
    };

    private static string BreakerMarkup(string breaker) => breaker switch
    {
        "open" => "[red]open[/]",
        "half-open" => "[yellow]half-open[/]",
        _ => Markup.Escape(breaker),
    };
}
