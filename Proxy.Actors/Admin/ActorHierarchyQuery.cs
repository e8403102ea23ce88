using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Akka.Actor;
using Proxy.Shared.Admin;

namespace Proxy.Actors.Admin;

/// <summary>
/// <c>GET /api/actors?path=/user&amp;depth=4</c> (<c>pbm actor hierarchy</c>): the node's actor tree, found the way
/// a remote tool would, by asking <c>PATH/*</c> to <see cref="Identify"/> itself one level at a time. Replies are
/// gathered for at most <see cref="LevelWindow"/> per level, and less once every actor asked has answered (a wildcard
/// that matches no child is answered once, with no actor) and nothing more came for <see cref="Quiet"/>. Only the
/// first <see cref="ActorTreeLimits.ListedChildren"/> children of an actor by name are listed and walked further.
/// </summary>
public sealed class ActorHierarchyQuery(ActorSystem system)
{
    /// <summary>The longest a level of the walk waits for its replies.</summary>
    public static readonly TimeSpan LevelWindow = TimeSpan.FromSeconds(1);

    /// <summary>Once every actor asked at a level has answered: how long without a further reply ends the level.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);

    private static long _walks;

    /// <summary>400 for a bad path or depth, 404 when no actor has the path, else the tree.</summary>
    public async Task<AdminResult> TreeAsync(string? path, string? depth)
    {
        if (ActorTreePath.Parse(path, out var pathError) is not { } root) return new AdminResult(400, new ErrorView(pathError));
        var levels = ActorTreeLimits.DefaultDepth;
        if (depth is not null && (!int.TryParse(depth, NumberStyles.None, CultureInfo.InvariantCulture, out levels) ||
                                  levels is < 1 or > ActorTreeLimits.MaxDepth))
            return new AdminResult(400, new ErrorView($"depth must be a whole number from 1 to {ActorTreeLimits.MaxDepth}, got '{depth}'"));

        ActorIdentity identity;
        try
        {
            identity = await system.ActorSelection(root).Ask<ActorIdentity>(new Identify(null), LevelWindow).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return new AdminResult(504, new ErrorView($"{root} did not answer within {LevelWindow.TotalSeconds:0} s"));
        }
        if (identity.Subject is null) return new AdminResult(404, new ErrorView($"no actor at {root} on this node"));

        var top = await WalkAsync(root, levels).ConfigureAwait(false);
        return new AdminResult(200, new ActorTreeView(root, top.Views(), top.Collapsed));
    }

    private async Task<Node> WalkAsync(string root, int levels)
    {
        var replies = Channel.CreateUnbounded<ActorIdentity>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // Under /system: the walk's own plumbing stays out of the /user tree it is asked about most.
        var collector = ((ExtendedActorSystem)system).SystemActorOf(ActorIdentityCollector.Props(replies.Writer),
            $"actor-hierarchy-walk-{Interlocked.Increment(ref _walks)}");
        try
        {
            var top = new Node("", root);
            var level = new List<Node> { top };
            for (var depth = 0; depth < levels && level.Count > 0; depth++)
            {
                for (var i = 0; i < level.Count; i++)
                    system.ActorSelection(level[i].Path + "/*").Tell(new Identify(new ChildrenOf(depth, i)), collector);
                await GatherAsync(replies.Reader, depth, level).ConfigureAwait(false);
                level = level.SelectMany(n => n.List()).ToList();
            }
            return top;
        }
        finally
        {
            system.Stop(collector);
        }
    }

    /// <summary>Reads the replies of one level into the children of <paramref name="level"/>'s actors.</summary>
    private static async Task GatherAsync(ChannelReader<ActorIdentity> replies, int depth, List<Node> level)
    {
        var answered = new HashSet<int>();
        var window = Stopwatch.StartNew();
        while (true)
        {
            while (replies.TryRead(out var reply))
            {
                // A late reply from the level before is not this level's.
                if (reply.MessageId is not ChildrenOf asked || asked.Depth != depth) continue;
                answered.Add(asked.Parent);
                if (reply.Subject is { } child) level[asked.Parent].Found.Add(child.Path.Name);
            }
            var left = LevelWindow - window.Elapsed;
            var wait = answered.Count == level.Count && Quiet < left ? Quiet : left;
            if (wait <= TimeSpan.Zero) return;
            using var timer = new CancellationTokenSource(wait);
            try
            {
                if (!await replies.WaitToReadAsync(timer.Token).ConfigureAwait(false)) return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The <see cref="Identify"/> id of one <c>PATH/*</c>: the level and the asking actor's index in it.</summary>
    private sealed record ChildrenOf(int Depth, int Parent);

    /// <summary>One actor of the walk and the names of the children found for it.</summary>
    private sealed class Node(string name, string path)
    {
        private List<Node> _listed = [];

        public string Name { get; } = name;
        public string Path { get; } = path;
        public HashSet<string> Found { get; } = new(StringComparer.Ordinal);
        public int? Collapsed => Found.Count > ActorTreeLimits.ListedChildren ? Found.Count - ActorTreeLimits.ListedChildren : null;

        /// <summary>The children to show and walk further: the first by name.</summary>
        public List<Node> List()
        {
            _listed = Found.Order(StringComparer.Ordinal).Take(ActorTreeLimits.ListedChildren)
                .Select(child => new Node(child, Path + "/" + child)).ToList();
            return _listed;
        }

        public List<ActorNodeView> Views() =>
            _listed.Select(n => new ActorNodeView(n.Name, n.Path, n.Views(), n.Collapsed)).ToList();
    }
}
