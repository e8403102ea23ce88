namespace Proxy.Shared.Caching;

/// <summary>How a stored response may be used for a request (RFC 9111 §4.2, §4.2.4; RFC 5861 §3).</summary>
public enum Freshness
{
    /// <summary>Fresh and acceptable to the request: serve it (§4.2).</summary>
    Fresh,
    /// <summary>Stale, but within the request's <c>max-stale</c> (§5.2.1.2): serve it as it is.</summary>
    StaleServable,
    /// <summary>Stale within the response's <c>stale-while-revalidate</c> window: serve it and revalidate in the background.</summary>
    StaleWhileRevalidate,
    /// <summary>Not usable without a successful validation (§4.3) first.</summary>
    MustRevalidate,
}
