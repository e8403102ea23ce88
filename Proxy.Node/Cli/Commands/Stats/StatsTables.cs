using System.Globalization;
using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Proxy.Node.Cli.Commands.Stats;

/// <summary>How <c>stats</c> and <c>top</c> draw a <see cref="StatsView"/>: routes, then backends, then who answered.</summary>
internal static class StatsTables
{
    public static IRenderable Render<T>(PbmCommand<T> command, StatsView view) where T : PbmSettings
    {
        var routes = command.NewTable("Route", "req/s", "Err %", "p50 ms", "p99 ms");
        foreach (var r in view.Routes)
            routes.AddRow(Markup.Escape(r.Name.Length == 0 ? "(no route)" : r.Name), Number(r.RequestsPerSecond), Errors(r.ErrorPercent),
                Number(r.P50Ms), Number(r.P99Ms));
        var backends = command.NewTable("Pool", "Backend", "req/s", "Err %", "p50 ms", "p99 ms");
        foreach (var b in view.Backends)
            backends.AddRow(Markup.Escape(b.Pool ?? ""), Markup.Escape(b.Name), Number(b.RequestsPerSecond), Errors(b.ErrorPercent),
                Number(b.P50Ms), Number(b.P99Ms));
        var footer = $"Last {view.WindowSeconds} s, {view.Members.Count} member(s)" +
                     (view.Unanswered.Count == 0 ? "" : $"; not answering: {string.Join(", ", view.Unanswered)}");
        return new Rows(routes, backends, new Text(footer));
    }

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Errors(double percent) => percent >= 1 ? $"[red]{Number(percent)}[/]" : Number(percent);
}
