using System.Text.RegularExpressions;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;

namespace Proxy.Shared.Routing;

/// <summary>
/// One route with its conditions precomputed for matching: arrays instead of lists, parsed host patterns
/// and a compiled regex. Immutable and safe to use from many threads.
/// </summary>
public sealed class CompiledRoute
{
    /// <summary>Upper bound for one path-regex evaluation; a pathological pattern must not stall a request thread.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    private readonly string[]? _methods;
    private readonly HostPattern[]? _hosts;
    private readonly string? _path;
    private readonly string? _pathPrefix;
    private readonly Regex? _pathRegex;
    private readonly NameValueCondition[]? _headers;
    private readonly NameValueCondition[]? _query;

    internal CompiledRoute(RouteSettings settings, int index)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Name = settings.Name;
        PoolName = settings.Pool;
        Split = settings.Split.Count > 0 ? new PoolSplit(settings.Split, settings.SplitKey) : null;
        Index = index;
        RetryNonIdempotent = settings.RetryNonIdempotent;

        var match = settings.Match ?? new RouteMatch();
        _methods = ToArrayOrNull(match.Methods);
        _hosts = CompileHosts(match.Hosts);
        _path = string.IsNullOrEmpty(match.Path) ? null : match.Path;
        _pathPrefix = string.IsNullOrEmpty(match.PathPrefix) ? null : match.PathPrefix;
        _pathRegex = string.IsNullOrEmpty(match.PathRegex)
            ? null
            : new Regex(match.PathRegex, RegexOptions.CultureInvariant | RegexOptions.Compiled, RegexTimeout);
        _headers = ToConditions(match.Headers);
        _query = ToConditions(match.Query);
        IsCatchAll = _methods is null && _hosts is null && _path is null
            && _pathPrefix is null && _pathRegex is null && _headers is null && _query is null;
    }

    /// <summary>The route's configured name.</summary>
    public string Name { get; }

    /// <summary>The pool requests matching this route are sent to ("" when the route splits them).</summary>
    public string PoolName { get; }

    /// <summary>R2: the weighted split that picks the pool per request; null = always <see cref="PoolName"/>.</summary>
    public PoolSplit? Split { get; }

    /// <summary>The route's <c>retries.non-idempotent</c>; null = the pool decides.</summary>
    public bool? RetryNonIdempotent { get; }

    /// <summary>Position in the configured order (0 is tried first).</summary>
    public int Index { get; }

    /// <summary>True when the route has no conditions, i.e. it is a default route that matches every request.</summary>
    public bool IsCatchAll { get; }

    /// <summary>Whether <paramref name="request"/> satisfies every condition of this route.</summary>
    public bool Matches(HttpRequestHead request)
    {
        // Cheapest checks first so most non-matching routes are rejected before headers, query or regex.
        if (_methods is not null && !ContainsOrdinal(_methods, request.Method)) return false;
        if (_hosts is not null && !MatchesHost(request)) return false;
        if (_path is not null && !string.Equals(request.Path, _path, StringComparison.Ordinal)) return false;
        if (_pathPrefix is not null && !request.Path.StartsWith(_pathPrefix, StringComparison.Ordinal)) return false;
        if (_headers is not null && !MatchesHeaders(request.Headers)) return false;
        if (_query is not null && !MatchesQuery(request.Query)) return false;
        if (_pathRegex is not null && !MatchesRegex(request.Path)) return false;
        return true;
    }

    private bool MatchesHost(HttpRequestHead request)
    {
        foreach (var pattern in _hosts!)
            if (pattern.Matches(request.Host, request.Authority))
                return true;
        return false;
    }

    private bool MatchesHeaders(HttpHeaderList headers)
    {
        foreach (var condition in _headers!)
        {
            if (condition.Value is null)
            {
                if (!headers.Contains(condition.Name)) return false;
                continue;
            }
            var found = false;
            for (var i = headers.IndexOf(condition.Name, 0); i >= 0; i = headers.IndexOf(condition.Name, i + 1))
            {
                if (string.Equals(headers[i].Value, condition.Value, StringComparison.Ordinal))
                {
                    found = true;
                    break;
                }
            }
            if (!found) return false;
        }
        return true;
    }

    private bool MatchesQuery(string query)
    {
        if (query.Length == 0) return false;
        foreach (var condition in _query!)
            if (!QueryStringMatcher.Contains(query, condition.Name, condition.Value))
                return false;
        return true;
    }

    private bool MatchesRegex(string path)
    {
        try
        {
            return _pathRegex!.IsMatch(path);
        }
        catch (RegexMatchTimeoutException)
        {
            // A runaway pattern is a config problem; the request falls through to later routes instead of failing.
            return false;
        }
    }

    private static bool ContainsOrdinal(string[] values, string value)
    {
        foreach (var candidate in values)
            if (string.Equals(candidate, value, StringComparison.Ordinal))
                return true;
        return false;
    }

    private static string[]? ToArrayOrNull(IReadOnlyList<string>? values)
    {
        if (values is null || values.Count == 0) return null;
        var result = new string[values.Count];
        for (var i = 0; i < result.Length; i++) result[i] = values[i];
        return result;
    }

    private static HostPattern[]? CompileHosts(IReadOnlyList<string>? hosts)
    {
        if (hosts is null || hosts.Count == 0) return null;
        var patterns = new HostPattern[hosts.Count];
        for (var i = 0; i < patterns.Length; i++)
        {
            // The validator reports a malformed pattern with its path before routes are compiled.
            if (!HostPattern.TryParse(hosts[i], out var pattern, out var error)) throw new ArgumentException(error, nameof(hosts));
            patterns[i] = pattern;
        }
        return patterns;
    }

    private static NameValueCondition[]? ToConditions(IReadOnlyDictionary<string, string?>? pairs)
    {
        if (pairs is null || pairs.Count == 0) return null;
        var result = new NameValueCondition[pairs.Count];
        var i = 0;
        foreach (var pair in pairs) result[i++] = new NameValueCondition(pair.Key, pair.Value);
        return result;
    }
}
