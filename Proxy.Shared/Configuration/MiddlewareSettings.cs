namespace Proxy.Shared.Configuration;

/// <summary><c>proxy.defaults { … }</c>: the middleware every route inherits unless it sets its own.</summary>
public sealed record RouteDefaults
{
    public RequestIdSettings RequestId { get; init; } = new();

    /// <summary>Transforms for routes without a <c>transforms</c> block of their own (a route's block replaces this
    /// one whole, as nginx's <c>add_header</c> levels do); null = none.</summary>
    public TransformSettings? Transforms { get; init; }
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
