namespace Proxy.Shared.Http;

/// <summary>How the body of a message is delimited (RFC 9112 §6.3).</summary>
public enum BodyFraming
{
    None,
    ContentLength,
    Chunked,
    /// <summary>Until the connection closes (responses only).</summary>
    UntilClose,
}

/// <summary>A parsed HTTP/1.x status line and header section from an upstream server.</summary>
public sealed class HttpResponseHead
{
    public required int Status { get; init; }
    public required string Reason { get; init; }
    public required int Version { get; init; }
    public required HttpHeaderList Headers { get; init; }
    public required BodyFraming Framing { get; init; }
    public long ContentLength { get; init; } = -1;
    /// <summary>Whether the upstream connection may be reused after this response.</summary>
    public bool KeepAlive { get; init; }

    public bool IsInterim => Status is >= 100 and < 200 && Status != 101;
}
