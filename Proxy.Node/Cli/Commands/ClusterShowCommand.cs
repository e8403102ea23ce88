using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary><c>cluster show</c>: address | roles | status | reachability, then <c>Count: N nodes</c>.</summary>
public sealed class ClusterShowCommand(PbmIo io) : PbmCommand<PbmSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, PbmSettings settings, AdminClient client, CancellationToken cancellationToken)
    {
        var answer = await client.GetAsync<MemberList>("api/cluster/members", cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, list =>
        {
            var table = NewTable("Address", "Roles", "Status", "Reachability");
            foreach (var m in list.Members)
            {
                table.AddRow(Markup.Escape(m.Address), Markup.Escape("[" + string.Join(", ", m.Roles) + "]"),
                    Markup.Escape(m.Status + (m.Leader ? " (leader)" : "")), m.Reachable ? "reachable" : "[red]unreachable[/]");
            }
            Io.Console.Write(table);
            Io.Console.WriteLine($"Count: {Count(list.Members.Count, "node")}");
        });
    }
}
