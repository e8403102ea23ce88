namespace Proxy.Shared.Caching;

/// <summary>Why a cache forwarded a request: the <c>fwd</c> parameter of Cache-Status (RFC 9211 §2.2).</summary>
public enum CacheForward
{
    /// <summary><c>fwd=miss</c>: no suitable stored response (the cache does not say why).</summary>
    Miss,
    /// <summary><c>fwd=uri-miss</c>: nothing stored for the target URI.</summary>
    UriMiss,
    /// <summary><c>fwd=vary-miss</c>: stored responses for the URI, none whose Vary fields match.</summary>
    VaryMiss,
    /// <summary><c>fwd=stale</c>: a stored response needed validation.</summary>
    Stale,
    /// <summary><c>fwd=request</c>: the request's directives (e.g. no-cache) required going forward.</summary>
    Request,
    /// <summary><c>fwd=bypass</c>: the cache was configured not to handle this request.</summary>
    Bypass,
}
