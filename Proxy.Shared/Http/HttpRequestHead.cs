namespace Proxy.Shared.Http;

/// <summary>A parsed HTTP/1.x request line and header section.</summary>
public sealed class HttpRequestHead
{
    public required string Method { get; init; }
    /// <summary>The request-target exactly as received (origin-form, absolute-form, authority-form or "*").</summary>
    public required string Target { get; set; }
    /// <summary>Path part of the target (no query), as received; "" for authority-form and "*".</summary>
    public required string Path { get; set; }
    /// <summary>Query part after '?', without the '?'; "" when absent.</summary>
    public required string Query { get; init; }
    /// <summary>11 for HTTP/1.1, 10 for HTTP/1.0.</summary>
    public required int Version { get; init; }
    public required HttpHeaderList Headers { get; init; }
    /// <summary>Host from the Host header (or the absolute-form authority), without port; lower case.</summary>
    public required string Host { get; init; }
    /// <summary>The authority as the client sent it (host[:port]).</summary>
    public required string Authority { get; init; }
    /// <summary>Body framing: Content-Length, -1 when absent.</summary>
    public long ContentLength { get; init; } = -1;
    public bool Chunked { get; init; }
    /// <summary>Whether the client wants the connection kept open after this exchange.</summary>
    public bool KeepAlive { get; init; }
    public bool ExpectContinue { get; init; }
    /// <summary>Upgrade requested (Connection: upgrade + Upgrade header).</summary>
    public bool IsUpgrade { get; init; }

    public bool HasBody => Chunked || ContentLength > 0;
}
