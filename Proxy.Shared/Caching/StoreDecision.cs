namespace Proxy.Shared.Caching;

/// <summary>
/// Whether a response may be stored (RFC 9111 §3) and, when not, why: a short lowercase phrase such as
/// "no-store", "private", "status 500" or "method POST", fit for a log line or a Cache-Status detail.
/// </summary>
public readonly record struct StoreDecision(bool Store, string? Reason)
{
    /// <summary>Store the response.</summary>
    public static StoreDecision Yes => new(true, null);

    /// <summary>Do not store it, for <paramref name="reason"/>.</summary>
    public static StoreDecision No(string reason) => new(false, reason);
}
