using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands.Stats;

/// <summary>
/// <c>top</c>: <c>stats</c> refreshed every <c>--interval</c> until Ctrl-C (or <c>--count</c> refreshes). On a terminal the
/// table is redrawn in place (Spectre's live display); otherwise (a pipe, a file) each refresh is printed after the
/// last, as <c>top -b</c> does, and with <c>--json</c> each refresh is one JSON line.
/// </summary>
public sealed class TopCommand(PbmIo io) : PbmCommand<TopSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, TopSettings settings, AdminClient client, CancellationToken cancellationToken)
    {
        var interval = TopSettings.IntervalOf(settings.Interval);
        var refreshes = 0;
        async Task<StatsView?> Next()
        {
            if (refreshes > 0)
            {
                try
                {
                    await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
            if (cancellationToken.IsCancellationRequested || settings.Count is { } count && refreshes >= count) return null;
            refreshes++;
            var (view, json) = await client.GetAsync<StatsView>("api/stats", cancellationToken).ConfigureAwait(false);
            if (settings.Json) Io.Out.WriteLine(json);
            return view;
        }

        if (settings.Json || Io.Console.Profile.Out.IsTerminal is false)
        {
            while (await Next().ConfigureAwait(false) is { } view)
                if (!settings.Json) Io.Console.Write(StatsTables.Render(this, view));
            return 0;
        }
        var first = await Next().ConfigureAwait(false);
        if (first is null) return 0;
        await Io.Console.Live(StatsTables.Render(this, first)).StartAsync(async live =>
        {
            while (await Next().ConfigureAwait(false) is { } view)
            {
                live.UpdateTarget(StatsTables.Render(this, view));
                live.Refresh();
            }
        }).ConfigureAwait(false);
        return 0;
    }
}
