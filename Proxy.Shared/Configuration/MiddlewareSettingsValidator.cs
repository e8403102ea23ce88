using System.Text;
using Proxy.Shared.Http;

namespace Proxy.Shared.Configuration;

/// <summary>Rules for the middleware blocks: a request-id header that can be a field name, transforms that leave a
/// valid path, header fields a proxy may set (never framing or hop-by-hop ones), a strip-prefix the route's own
/// match guarantees, address lists that parse, and key or user files that can be read and hold no mistake. What a route inherits from <c>proxy.defaults</c> is reported once, at the defaults' path.</summary>
internal static class MiddlewareSettingsValidator
{
    /// <summary>Fields the transforms may not touch: the proxy owns the framing and the hop-by-hop fields (RFC 9110
    /// §7.6.1, RFC 9112 §6).</summary>
    private static readonly string[] Reserved =
    [
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Content-Length",
    ];

    public static void Validate(ProxySettings settings, List<ConfigProblem> problems)
    {
        var defaults = settings.Defaults;
        var plugins = ValidatePlugins(settings.Plugins, problems);
        ValidateFilters(defaults.Filters, "proxy.defaults.filters", plugins, problems);
        ValidateRequestId(defaults.RequestId, "proxy.defaults.request-id", problems);
        if (defaults.Transforms is { } shared) ValidateTransforms(shared, "proxy.defaults.transforms", problems);
        if (defaults.Access is { } access) ValidateAccess(access, "proxy.defaults.access", problems);
        if (defaults.Auth is { } auth) ValidateAuth(auth, "proxy.defaults.auth", problems);
        if (defaults.Compression is { } compression) ValidateCompression(compression, "proxy.defaults.compression", problems);
        if (defaults.Cache is { } cache) ValidateCache(cache, "proxy.defaults.cache", problems);
        for (var i = 0; i < settings.Routes.Count; i++)
        {
            var route = settings.Routes[i].Middleware;
            var match = settings.Routes[i].Match;
            var path = $"proxy.routes[{i}]";
            if (!ReferenceEquals(route.RequestId, defaults.RequestId))
                ValidateRequestId(route.RequestId, $"{path}.request-id", problems);
            if (route.Access is not null && !ReferenceEquals(route.Access, defaults.Access))
                ValidateAccess(route.Access, $"{path}.access", problems);
            if (route.Auth is not null && !ReferenceEquals(route.Auth, defaults.Auth))
                ValidateAuth(route.Auth, $"{path}.auth", problems);
            if (route.Compression is not null && !ReferenceEquals(route.Compression, defaults.Compression))
                ValidateCompression(route.Compression, $"{path}.compression", problems);
            if (route.Cache is not null && !ReferenceEquals(route.Cache, defaults.Cache))
                ValidateCache(route.Cache, $"{path}.cache", problems);
            if (route.Cache is { Enabled: true } routeCache)
                ValidateWarmHosts(routeCache, match, ReferenceEquals(routeCache, defaults.Cache) ? "proxy.defaults.cache" : $"{path}.cache", problems);
            if (!ReferenceEquals(route.Filters, defaults.Filters)) ValidateFilters(route.Filters, $"{path}.filters", plugins, problems);
            if (route.Transforms is not { } transforms) continue;
            var inherited = ReferenceEquals(transforms, defaults.Transforms);
            if (!inherited) ValidateTransforms(transforms, $"{path}.transforms", problems);
            if (transforms.StripPrefix is { } strip && !MatchGuarantees(match, strip))
                problems.Add(new(inherited ? path : $"{path}.transforms.strip-prefix",
                    $"strip-prefix '{strip}'{(inherited ? " (from proxy.defaults.transforms)" : "")} needs the route to match it: " +
                    $"give the route match {{ path-prefix = \"{strip}/\" }} (or a path or path-prefix under it)"));
        }
    }

    /// <summary>Names unique and present, an assembly path given; the names, for the routes' lists. Loading the
    /// assembly is the node's start (it reports a failure with the same path).</summary>
    private static HashSet<string> ValidatePlugins(IReadOnlyList<PluginSettings> plugins, List<ConfigProblem> problems)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < plugins.Count; i++)
        {
            var plugin = plugins[i];
            var path = $"proxy.plugins[{i}]";
            if (plugin.Name.Length == 0) problems.Add(new($"{path}.name", "missing name (routes list it in filters)"));
            else if (!names.Add(plugin.Name)) problems.Add(new($"{path}.name", $"duplicate plugin name '{plugin.Name}'"));
            if (plugin.Assembly.Length == 0) problems.Add(new($"{path}.assembly", "missing: the plugin's .dll"));
        }
        return names;
    }

    private static void ValidateFilters(IReadOnlyList<string> filters, string path, HashSet<string> plugins, List<ConfigProblem> problems)
    {
        for (var i = 0; i < filters.Count; i++)
            if (!plugins.Contains(filters[i]))
                problems.Add(new($"{path}[{i}]", $"no plugin named '{filters[i]}' (proxy.plugins lists {(plugins.Count == 0 ? "none" : string.Join(", ", plugins))})"));
    }

    private static void ValidateCache(Proxy.Shared.Caching.CacheSettings cache, string path, List<ConfigProblem> problems)
    {
        if (cache.MaxMemoryBytes <= 0) problems.Add(new($"{path}.max-memory", "must be more than 0 (e.g. 256m)"));
        if (cache.MaxObjectBytes <= 0) problems.Add(new($"{path}.max-object", "must be more than 0 (e.g. 8m)"));
        else if (cache.MaxObjectBytes > cache.MaxMemoryBytes)
            problems.Add(new($"{path}.max-object", $"larger than max-memory ({cache.MaxMemoryBytes} bytes): no object that size could be stored"));
        if (cache.DefaultTtl < TimeSpan.Zero) problems.Add(new($"{path}.default-ttl", "must be 0s or more"));
        if (cache.StaleIfError < TimeSpan.Zero) problems.Add(new($"{path}.stale-if-error", "must be 0s or more"));
        if (cache.Key.Count == 0) problems.Add(new($"{path}.key", "empty: name the parts of the request that make the key, e.g. [ host, path, query ]"));
        if (cache.PurgeToken is { } token && string.IsNullOrWhiteSpace(token))
            problems.Add(new($"{path}.purge-token", "empty: give a token (PURGE then needs Authorization: Bearer <token>), or leave it out"));
        for (var i = 0; i < cache.Warm.Count; i++)
            if (!Caching.CacheWarmTarget.IsValid(cache.Warm[i]))
                problems.Add(new($"{path}.warm[{i}]", $"not a path or URL: '{cache.Warm[i]}' (write /index.html or http://host/index.html)"));
    }

    /// <summary>A warm path without a host takes the route's exact hosts: a route that matches any host has none to give.</summary>
    private static void ValidateWarmHosts(Proxy.Shared.Caching.CacheSettings cache, RouteMatch match, string path, List<ConfigProblem> problems)
    {
        if (match.Hosts.Any(h => !h.StartsWith("*.", StringComparison.Ordinal))) return;
        for (var i = 0; i < cache.Warm.Count; i++)
            if (cache.Warm[i].StartsWith('/'))
                problems.Add(new($"{path}.warm[{i}]", $"'{cache.Warm[i]}' names no host and the route matches no exact host: write http://host{cache.Warm[i]}"));
    }

    private static void ValidateCompression(CompressionSettings compression, string path, List<ConfigProblem> problems)
    {
        if (compression.Algorithms.Count == 0) problems.Add(new($"{path}.algorithms", "empty: name br, gzip or both"));
        for (var i = 0; i < compression.Algorithms.Count; i++)
            if (!CompressionSettings.KnownAlgorithms.Contains(compression.Algorithms[i]))
                problems.Add(new($"{path}.algorithms[{i}]", $"unknown algorithm '{compression.Algorithms[i]}' (valid: br, gzip)"));
        if (compression.Types.Count == 0) problems.Add(new($"{path}.types", "empty: name the media types to compress, e.g. \"text/*\""));
        for (var i = 0; i < compression.Types.Count; i++)
            if (!IsMediaRange(compression.Types[i]))
                problems.Add(new($"{path}.types[{i}]", $"not a media type: '{compression.Types[i]}' (write type/subtype or type/*)"));
        if (compression.MinSize < 0) problems.Add(new($"{path}.min-size", "must be 0 or more"));
        if (!CompressionSettings.KnownLevels.Contains(compression.Level))
            problems.Add(new($"{path}.level", $"unknown level '{compression.Level}' (valid: fastest, optimal, smallest)"));
    }

    /// <summary><c>type/subtype</c> or <c>type/*</c>, both tokens.</summary>
    private static bool IsMediaRange(string text)
    {
        var slash = text.IndexOf('/');
        return slash > 0 && IsFieldName(text[..slash]) && (text[(slash + 1)..] == "*" || IsFieldName(text[(slash + 1)..]));
    }

    private static void ValidateAccess(AccessSettings access, string path, List<ConfigProblem> problems)
    {
        CheckList(access.Allow, "allow");
        CheckList(access.Deny, "deny");
        CheckList(access.TrustedProxies, "trusted-proxies");
        return;

        void CheckList(IReadOnlyList<string> entries, string key)
        {
            for (var i = 0; i < entries.Count; i++)
                if (!Security.AddressList.IsValidEntry(entries[i], out var error)) problems.Add(new($"{path}.{key}[{i}]", error));
        }
    }

    private static void ValidateAuth(AuthSettings auth, string path, List<ConfigProblem> problems)
    {
        if (auth.ApiKeys is not null == auth.Basic is not null)
        {
            problems.Add(new(path, "name one scheme: auth { api-keys { … } } or auth { basic { … } }"));
            return;
        }
        if (auth.ApiKeys is { } keys)
        {
            var at = $"{path}.api-keys";
            if (!IsFieldName(keys.Header)) problems.Add(new($"{at}.header", $"not a header field name: '{keys.Header}'"));
            else if (IsReserved(keys.Header) || keys.Header.Equals("Host", StringComparison.OrdinalIgnoreCase))
                problems.Add(new($"{at}.header", $"'{keys.Header}' is a field the proxy manages; choose another name"));
            CheckFile(keys.KeysFile, $"{at}.keys-file", text => Security.ApiKeyFile.TryParse(text, out _, out var error) ? null : error);
        }
        if (auth.Basic is { } basic)
        {
            var at = $"{path}.basic";
            if (basic.Realm.Length == 0 || basic.Realm.Any(c => c is '"' or '\\' || char.IsControl(c)))
                problems.Add(new($"{at}.realm", "a realm is some text without quotes, backslashes or control characters"));
            CheckFile(basic.UsersFile, $"{at}.users-file", text => Security.BasicUsersFile.TryParse(text, out _, out var error) ? null : error);
        }
        return;

        void CheckFile(string file, string at, Func<string, string?> parse)
        {
            if (file.Length == 0)
            {
                problems.Add(new(at, "missing: the file to read (a path, relative to the node's working directory)"));
                return;
            }
            string text;
            try
            {
                text = BoundedFile.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                problems.Add(new(at, $"{file}: {e.Message}"));
                return;
            }
            if (parse(text) is { } error) problems.Add(new(at, $"{file}: {error}"));
        }
    }

    private static void ValidateRequestId(RequestIdSettings requestId, string path, List<ConfigProblem> problems)
    {
        if (!IsFieldName(requestId.Header))
            problems.Add(new($"{path}.header", $"not a header field name: '{requestId.Header}'"));
        else if (IsReserved(requestId.Header) || requestId.Header.Equals("Host", StringComparison.OrdinalIgnoreCase))
            problems.Add(new($"{path}.header", $"'{requestId.Header}' is a field the proxy manages; choose another name"));
    }

    private static void ValidateTransforms(TransformSettings transforms, string path, List<ConfigProblem> problems)
    {
        if (transforms.StripPrefix is { } strip && PathPrefixProblem(strip) is { } stripProblem)
            problems.Add(new($"{path}.strip-prefix", stripProblem));
        if (transforms.AddPrefix is { } add && PathPrefixProblem(add) is { } addProblem)
            problems.Add(new($"{path}.add-prefix", addProblem));
        ValidateHeaders(transforms.RequestHeaders, $"{path}.request-headers", request: true, problems);
        ValidateHeaders(transforms.ResponseHeaders, $"{path}.response-headers", request: false, problems);
        // Set values may be any text: the proxy percent-encodes them.
        foreach (var (name, _) in transforms.Query.Set)
            if (name.Length == 0) problems.Add(new($"{path}.query.set", "empty parameter name"));
        for (var i = 0; i < transforms.Query.Remove.Count; i++)
            if (transforms.Query.Remove[i].Length == 0)
                problems.Add(new($"{path}.query.remove[{i}]", "empty parameter name"));
    }

    private static void ValidateHeaders(HeaderTransforms headers, string path, bool request, List<ConfigProblem> problems)
    {
        foreach (var (name, value) in headers.Set) CheckField(name, value, $"{path}.set.{name}", allowHost: request);
        foreach (var (name, value) in headers.Append) CheckField(name, value, $"{path}.append.{name}", allowHost: false);
        for (var i = 0; i < headers.Remove.Count; i++)
        {
            var name = headers.Remove[i];
            var at = $"{path}.remove[{i}]";
            if (!IsFieldName(name)) problems.Add(new(at, $"not a header field name: '{name}'"));
            else if (IsReserved(name) || request && name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                problems.Add(new(at, $"'{name}' may not be removed: the proxy manages it"));
        }
        return;

        void CheckField(string name, string value, string at, bool allowHost)
        {
            if (!IsFieldName(name))
                problems.Add(new(at, $"not a header field name: '{name}'"));
            else if (IsReserved(name) || !allowHost && name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                problems.Add(new(at, $"'{name}' may not be set here: the proxy manages it" +
                    (request && name.Equals("Host", StringComparison.OrdinalIgnoreCase) ? " (Host can be set, not appended)" : "")));
            if (!IsFieldValue(value))
                problems.Add(new(at, "the value has characters a header field cannot carry (control characters, line breaks or leading/trailing spaces)"));
        }
    }

    /// <summary>Why <paramref name="prefix"/> cannot be a path prefix, or null when it can: '/' then path characters,
    /// no empty or dot segments, no trailing '/' (the rest of the path brings its own).</summary>
    private static string? PathPrefixProblem(string prefix)
    {
        if (!prefix.StartsWith('/')) return $"must start with '/', got '{prefix}'";
        if (prefix.Length == 1 || prefix.EndsWith('/')) return $"must not end with '/' (write \"/api\", not \"{prefix}\")";
        foreach (var segment in prefix[1..].Split('/'))
        {
            if (segment.Length == 0) return $"has an empty segment ('//') in '{prefix}'";
            if (segment is "." or "..") return $"has a dot segment in '{prefix}'";
        }
        foreach (var c in prefix)
            if (!IsPathChar(c)) return $"'{c}' is not allowed in a path (percent-encode it), in '{prefix}'";
        return null;
    }

    /// <summary>RFC 3986 pchar and '/'; '%' for percent-encoded octets.</summary>
    private static bool IsPathChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || "-._~!$&'()*+,;=:@/%".Contains(c);

    /// <summary>The route matches only <paramref name="strip"/> itself or paths under it (a path-prefix equal to it also
    /// matches "/apix", which the segment-wise strip leaves as it is).</summary>
    private static bool MatchGuarantees(RouteMatch match, string strip)
    {
        var path = match.Path ?? match.PathPrefix;
        return path is not null && (path == strip || path.StartsWith(strip + "/", StringComparison.Ordinal));
    }

    private static bool IsReserved(string name)
    {
        foreach (var reserved in Reserved)
            if (reserved.Equals(name, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static bool IsFieldName(string name) =>
        name.Length > 0 && name.All(c => c < 128 && HttpSyntax.IsTokenChar((byte)c));

    private static bool IsFieldValue(string value)
    {
        if (value.Length > 0 && (value[0] is ' ' or '\t' || value[^1] is ' ' or '\t')) return false;
        foreach (var b in Encoding.UTF8.GetBytes(value))
            if (!HttpSyntax.IsFieldValueChar(b)) return false;
        return true;
    }
}
