namespace Proxy.Shared.Http;

/// <summary>Size limits the HTTP/1.1 parser enforces (defaults like nginx/Envoy).</summary>
public sealed record HttpLimits
{
    public static readonly HttpLimits Default = new();

    public int MaxHeadBytes { get; init; } = 64 * 1024;
    public int MaxHeaders { get; init; } = 100;
    public int MaxUriBytes { get; init; } = 8 * 1024;
    /// <summary>0 = unlimited.</summary>
    public long MaxBodyBytes { get; init; }
}
