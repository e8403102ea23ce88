using System.Text.Json.Serialization;

namespace Proxy.Shared.Admin;

/// <summary>
/// <c>GET /api/actors?path=/user&amp;depth=4</c> (<c>pbm actor hierarchy</c>): the node's actors under
/// <paramref name="Path"/>, as deep as asked. Children are listed by name (ordinal); past
/// <see cref="ActorTreeLimits.ListedChildren"/> the rest are only counted in <c>collapsed</c> (connection actors are
/// one per connection). Children below the depth asked for are not listed: <c>children</c> is then empty.
/// </summary>
/// <param name="Collapsed">How many more children there are than listed; absent when all are listed.</param>
public sealed record ActorTreeView(string Path, IReadOnlyList<ActorNodeView> Children,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Collapsed = null);

/// <param name="Name">The actor's name, e.g. <c>listener-public</c>.</param>
/// <param name="Path">Its path within the node, e.g. <c>/user/listener-public</c> (what <c>pbm actor hierarchy</c> takes).</param>
/// <param name="Collapsed">As in <see cref="ActorTreeView"/>.</param>
public sealed record ActorNodeView(string Name, string Path, IReadOnlyList<ActorNodeView> Children,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Collapsed = null);

/// <summary>The bounds of an actor tree walk, shared by the admin API and pbm.</summary>
public static class ActorTreeLimits
{
    public const int DefaultDepth = 4;
    public const int MaxDepth = 8;

    /// <summary>Children listed per actor; the others are counted in <c>collapsed</c>.</summary>
    public const int ListedChildren = 20;
}
