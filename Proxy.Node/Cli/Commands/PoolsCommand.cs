using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary><c>pools</c>: every configured pool with its policy and how many backends are usable now.</summary>
public sealed class PoolsCommand(PbmIo io) : PbmCommand<PbmSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, PbmSettings settings, AdminClient client, CancellationToken cancellationToken)
    {
        var answer = await client.GetAsync<PoolList>("api/pools", cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, list =>
        {
            var table = NewTable("Pool", "Policy", "Backends", "Available", "Version");
            foreach (var p in list.Pools)
                table.AddRow(Markup.Escape(p.Pool), Markup.Escape(p.Policy), p.Backends.ToString(),
                    p.Answered ? p.Available.ToString()
                        : p.Stale is not null ? $"{p.Available} [yellow](last known)[/]" : "[yellow]no answer[/]", p.Version.ToString());
            Io.Console.Write(table);
            Io.Console.WriteLine($"Count: {Count(list.Pools.Count, "pool")}");
            foreach (var p in list.Pools.Where(p => p.Stale is not null))
                Io.Console.MarkupLineInterpolated($"[yellow]{p.Pool}: {p.Stale}[/]");
        });
    }
}
