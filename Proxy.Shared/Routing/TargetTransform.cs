using System.Text;
using Proxy.Shared.Configuration;

namespace Proxy.Shared.Routing;

/// <summary>
/// R3's path and query rewriting for one route, in the order the settings define: strip-prefix, add-prefix, then the
/// query's removals and settings. Works on the raw (percent-encoded) path and query: parameters it does not name pass
/// byte for byte, and a path that matches no rule is left as it is.
/// </summary>
public sealed class TargetTransform
{
    private readonly string? _strip;
    private readonly string? _add;
    private readonly IReadOnlyList<string> _remove;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _set;

    public TargetTransform(TransformSettings settings)
    {
        _strip = settings.StripPrefix;
        _add = settings.AddPrefix;
        _remove = settings.Query.Remove;
        _set = settings.Query.Set;
        ChangesTarget = _strip is not null || _add is not null || !settings.Query.IsEmpty;
    }

    /// <summary>False when the settings leave the request-target alone (headers only).</summary>
    public bool ChangesTarget { get; }

    /// <summary>The origin-form target for <paramref name="path"/> and <paramref name="query"/> (without '?').</summary>
    public string Apply(string path, string query)
    {
        path = StripPrefix(path);
        if (_add is not null) path = _add + path;
        if (_remove.Count > 0 || _set.Count > 0) query = RewriteQuery(query);
        return query.Length == 0 ? path : path + "?" + query;
    }

    /// <summary>Removes the prefix segment-wise: "/api" leaves "/api/users" as "/users" and "/api" as "/", and does
    /// not touch "/apix".</summary>
    private string StripPrefix(string path)
    {
        if (_strip is not { } strip || !path.StartsWith(strip, StringComparison.Ordinal)) return path;
        if (path.Length == strip.Length) return "/";
        return path[strip.Length] == '/' ? path[strip.Length..] : path;
    }

    private string RewriteQuery(string query)
    {
        var result = new StringBuilder(query.Length + 16);
        Span<bool> written = _set.Count <= 16 ? stackalloc bool[_set.Count] : new bool[_set.Count];
        var first = true;
        foreach (var range in query.AsSpan().Split('&'))
        {
            if (query.Length == 0) break;
            var pair = query.AsSpan(range);
            var eq = pair.IndexOf('=');
            var name = eq < 0 ? pair : pair[..eq];
            if (!pair.IsEmpty && Named(_remove, name)) continue;
            var set = pair.IsEmpty ? -1 : IndexOfSet(name);
            if (set >= 0)
            {
                // The first occurrence takes the new value; later ones would contradict it.
                if (written[set]) continue;
                written[set] = true;
                Append(result, _set[set], ref first);
                continue;
            }
            if (!first) result.Append('&');
            first = false;
            result.Append(pair);
        }
        for (var i = 0; i < _set.Count; i++)
            if (!written[i]) Append(result, _set[i], ref first);
        return result.ToString();
    }

    private static void Append(StringBuilder result, KeyValuePair<string, string> parameter, ref bool first)
    {
        if (!first) result.Append('&');
        first = false;
        result.Append(Uri.EscapeDataString(parameter.Key)).Append('=').Append(Uri.EscapeDataString(parameter.Value));
    }

    private int IndexOfSet(ReadOnlySpan<char> rawName)
    {
        for (var i = 0; i < _set.Count; i++)
            if (QueryStringMatcher.DecodedEquals(rawName, _set[i].Key)) return i;
        return -1;
    }

    private static bool Named(IReadOnlyList<string> names, ReadOnlySpan<char> rawName)
    {
        foreach (var name in names)
            if (QueryStringMatcher.DecodedEquals(rawName, name)) return true;
        return false;
    }
}
