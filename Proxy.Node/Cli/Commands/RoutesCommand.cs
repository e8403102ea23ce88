using System.Globalization;
using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary><c>routes</c>: the routes in match order with their conditions, pool or split (weights and shares) and
/// middleware.</summary>
public sealed class RoutesCommand(PbmIo io) : PbmCommand<PbmSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, PbmSettings settings, AdminClient client, CancellationToken cancellationToken)
    {
        var answer = await client.GetAsync<RouteList>("api/routes", cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, list =>
        {
            var table = NewTable("Route", "Match", "Pool", "Middleware");
            foreach (var r in list.Routes)
                table.AddRow(Markup.Escape(r.Name), Markup.Escape(r.Match), Markup.Escape(PoolText(r)), Markup.Escape(string.Join(", ", r.Middleware)));
            Io.Console.Write(table);
            Io.Console.WriteLine($"Count: {Count(list.Routes.Count, "route")}");
        });
    }

    /// <summary>"api", or "stable 90 (90%), canary 10 (10%) by header:X-User".</summary>
    private static string PoolText(RouteView route) => route.Pool ?? string.Join(", ",
        route.Split.Select(s => $"{s.Pool} {s.Weight} ({s.Percent.ToString(CultureInfo.InvariantCulture)}%)")) +
        (route.SplitKey is null ? "" : " by " + route.SplitKey);
}
