namespace Proxy.Shared.Configuration;

/// <summary>A route's middleware (<c>request-id</c>, <c>transforms</c>, <c>access</c>, <c>auth</c>,
/// <c>security-headers</c>, <c>compression</c>, <c>cache</c>, <c>filters</c>); also <c>proxy.defaults { … }</c>, which every route
/// inherits: a route's request-id takes the keys it leaves out from the defaults', its other blocks replace the
/// defaults' whole.</summary>
public sealed record RouteMiddleware
{
    public RequestIdSettings RequestId { get; init; } = new();

    /// <summary>R3; null = none.</summary>
    public TransformSettings? Transforms { get; init; }

    /// <summary>E7 address rules; null = every client.</summary>
    public AccessSettings? Access { get; init; }

    /// <summary>E7 API keys or Basic users; null = none.</summary>
    public AuthSettings? Auth { get; init; }

    /// <summary>E7: add the usual security header fields.</summary>
    public bool SecurityHeaders { get; init; }

    /// <summary>E4; null = off.</summary>
    public CompressionSettings? Compression { get; init; }

    /// <summary>E5: the route's response cache (RFC 9111); null = none.</summary>
    public Proxy.Shared.Caching.CacheSettings? Cache { get; init; }

    /// <summary>Plugin filters by name (<c>proxy.plugins</c>), in order.</summary>
    public IReadOnlyList<string> Filters { get; init; } = [];
}

/// <summary>One entry of <c>proxy.plugins</c>: a filter loaded from an assembly at start.</summary>
public sealed record PluginSettings
{
    public required string Name { get; init; }

    /// <summary>The plugin's .dll (relative to the node's working directory); its dependencies lie next to it.</summary>
    public required string Assembly { get; init; }

    /// <summary>The <c>settings { … }</c> block as text, nested keys joined with '.'.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}

/// <summary>E4: <c>compression { algorithms, types, min-size, level }</c> — responses compressed on the way to clients
/// that accept it (off unless configured; <c>enabled = off</c> turns an inherited block off for a route).</summary>
public sealed record CompressionSettings
{
    public static readonly IReadOnlyList<string> KnownAlgorithms = ["br", "gzip"];
    public static readonly IReadOnlyList<string> KnownLevels = ["fastest", "optimal", "smallest"];

    public bool Enabled { get; init; } = true;

    /// <summary>Offered in this order when a client likes several equally.</summary>
    public IReadOnlyList<string> Algorithms { get; init; } = ["br", "gzip"];

    /// <summary>Media types compressed: exact (<c>application/json</c>) or a whole type (<c>text/*</c>).</summary>
    public IReadOnlyList<string> Types { get; init; } = ["text/*", "application/json", "application/javascript", "image/svg+xml"];

    /// <summary>A body whose Content-Length is below this is sent as it is.</summary>
    public long MinSize { get; init; } = 1024;

    /// <summary>fastest, optimal or smallest (System.IO.Compression's levels; Brotli quality 1, 4 and 11).</summary>
    public string Level { get; init; } = "fastest";
}

/// <summary>E7: <c>access { allow, deny, trusted-proxies }</c> — which client addresses a route serves (deny wins; an
/// empty allow list allows all). Entries are CIDRs or single addresses.</summary>
public sealed record AccessSettings
{
    public IReadOnlyList<string> Allow { get; init; } = [];
    public IReadOnlyList<string> Deny { get; init; } = [];

    /// <summary>Peers whose <c>X-Forwarded-For</c> is believed: the client is then the last address in it that is not
    /// itself a trusted proxy (nginx's <c>real_ip_recursive</c>).</summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];
}

/// <summary>E7: <c>auth { api-keys { … } }</c> or <c>auth { basic { … } }</c> (one of them).</summary>
public sealed record AuthSettings
{
    public ApiKeyAuthSettings? ApiKeys { get; init; }
    public BasicAuthSettings? Basic { get; init; }
}

public sealed record ApiKeyAuthSettings
{
    /// <summary>The request field that carries the key; removed before the request goes upstream.</summary>
    public string Header { get; init; } = "X-Api-Key";

    /// <summary>One <c>sha256:HEX</c> per line; re-read when it changes.</summary>
    public string KeysFile { get; init; } = "";
}

public sealed record BasicAuthSettings
{
    public string Realm { get; init; } = "proxy";

    /// <summary>One <c>name:pbkdf2-sha256$…</c> per line; re-read when it changes.</summary>
    public string UsersFile { get; init; } = "";
}

/// <summary>E6: <c>request-id { enabled, header, generate }</c>. Keys a route leaves out come from the defaults.</summary>
public sealed record RequestIdSettings
{
    public bool Enabled { get; init; } = true;

    /// <summary>The field that carries the id from the client, to the backend and back.</summary>
    public string Header { get; init; } = "X-Request-ID";

    /// <summary>Make one (a UUID v7) when the client sent none or an unusable one; off: only a client's id is passed on.</summary>
    public bool Generate { get; init; } = true;
}

/// <summary>R3: <c>routes[].transforms</c>. Before the request goes upstream: strip-prefix, then add-prefix, the query
/// and the request headers; before a relayed response goes to the client: its headers. In each header block the
/// removals come first, then the fields set, then those appended.</summary>
public sealed record TransformSettings
{
    /// <summary>Removed from the start of the path when the path is that segment or starts with it and a '/'.</summary>
    public string? StripPrefix { get; init; }

    /// <summary>Put before the (stripped) path.</summary>
    public string? AddPrefix { get; init; }

    public HeaderTransforms RequestHeaders { get; init; } = new();

    public HeaderTransforms ResponseHeaders { get; init; } = new();

    public QueryTransforms Query { get; init; } = new();
}

/// <summary>Header fields to set (replacing every field of the name), append (one more field) and remove.</summary>
public sealed record HeaderTransforms
{
    public IReadOnlyList<KeyValuePair<string, string>> Set { get; init; } = [];
    public IReadOnlyList<KeyValuePair<string, string>> Append { get; init; } = [];
    public IReadOnlyList<string> Remove { get; init; } = [];

    public bool IsEmpty => Set.Count == 0 && Append.Count == 0 && Remove.Count == 0;
}

/// <summary>Query parameters to set (values percent-encoded by the proxy) and remove; the rest pass byte for byte.</summary>
public sealed record QueryTransforms
{
    public IReadOnlyList<KeyValuePair<string, string>> Set { get; init; } = [];
    public IReadOnlyList<string> Remove { get; init; } = [];

    public bool IsEmpty => Set.Count == 0 && Remove.Count == 0;
}
