using System.Text.RegularExpressions;

namespace Proxy.Shared.Admin;

/// <summary>
/// The PATH of <c>pbm actor hierarchy [PATH]</c> (<c>GET /api/actors?path=</c>): an actor path inside the node under
/// <c>/user</c> or <c>/system</c>, made of the characters actor names use here (letters, digits, <c>_ - . $ %</c>).
/// Wildcards and <c>..</c> are refused, so the walk only ever goes down from the actor named.
/// </summary>
public static partial class ActorTreePath
{
    public const string Default = "/user";

    /// <summary>Checks <paramref name="text"/> (null or empty: <see cref="Default"/>); a trailing <c>/</c> is dropped.</summary>
    /// <returns>The path to walk, or null with <paramref name="error"/> saying what is wrong.</returns>
    public static string? Parse(string? text, out string error)
    {
        error = "";
        if (string.IsNullOrEmpty(text)) return Default;
        if (!Allowed().IsMatch(text))
        {
            error = $"path '{text}' has characters outside letters, digits and / _ - . $ % (no wildcards)";
            return null;
        }
        var path = text.Length > 1 ? text.TrimEnd('/') : text;
        if (!(path is "/user" or "/system" || path.StartsWith("/user/", StringComparison.Ordinal) ||
              path.StartsWith("/system/", StringComparison.Ordinal)))
        {
            error = $"path '{text}' must start with /user or /system (e.g. /user/listener-public)";
            return null;
        }
        foreach (var segment in path[1..].Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                error = $"path '{text}' has an empty, '.' or '..' segment";
                return null;
            }
        }
        return path;
    }

    [GeneratedRegex(@"^[A-Za-z0-9/_\-.$%]+\z")]
    private static partial Regex Allowed();
}
