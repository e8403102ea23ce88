namespace Proxy.Actors.Logging;

/// <summary>One request as the access log records it (O4).</summary>
public sealed class AccessLogEntry
{
    public DateTime Time { get; init; }
    public required string Client { get; init; }
    /// <summary>Null (JSON null) when the request head could not be read: malformed, too large, or not in time.</summary>
    public string? Method { get; init; }
    public string? Host { get; init; }
    public string? Path { get; init; }
    public string? Route { get; init; }
    /// <summary>E6: the request's id (null when request ids are off).</summary>
    public string? RequestId { get; init; }
    /// <summary>Backend address; never carries credentials.</summary>
    public string? Upstream { get; init; }
    public int Status { get; init; }
    public long BytesIn { get; init; }
    public long BytesOut { get; init; }
    public double DurationMs { get; init; }
    /// <summary>Why the proxy answered itself or aborted (e.g. "no route", "upstream timeout").</summary>
    public string? Error { get; init; }
}
