using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary><c>actor hierarchy [PATH] [--depth N]</c>: the node's actors under PATH (default <c>/user</c>) drawn as a
/// tree; children past the first 20 of an actor show as <c>… and N more</c>.</summary>
public sealed class ActorHierarchyCommand(PbmIo io) : PbmCommand<ActorHierarchySettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, ActorHierarchySettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (settings.Path is not null) query.Add("path=" + Escape(settings.Path));
        if (settings.Depth is { } depth) query.Add("depth=" + depth);
        var path = "api/actors" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        var answer = await client.GetAsync<ActorTreeView>(path, cancellationToken).ConfigureAwait(false);
        return Print(settings, answer, view =>
        {
            var tree = new Tree(Markup.Escape(view.Path));
            AddChildren(tree, view.Children, view.Collapsed);
            Io.Console.Write(tree);
        });
    }

    private static void AddChildren(IHasTreeNodes parent, IReadOnlyList<ActorNodeView> children, int? collapsed)
    {
        foreach (var child in children) AddChildren(parent.AddNode(Markup.Escape(child.Name)), child.Children, child.Collapsed);
        if (collapsed is > 0) parent.AddNode($"[grey]… and {collapsed} more[/]");
    }
}
