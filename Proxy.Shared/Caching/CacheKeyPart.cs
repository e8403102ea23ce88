namespace Proxy.Shared.Caching;

/// <summary>One component of a route's primary cache key (RFC 9111 §2: by default the method and target URI).</summary>
public enum CacheKeyPart
{
    /// <summary><c>http</c> or <c>https</c>, as the client reached the proxy.</summary>
    Scheme,
    /// <summary>The request's host, lower-cased, with a non-default port kept.</summary>
    Host,
    /// <summary>The path as sent.</summary>
    Path,
    /// <summary>The query as sent.</summary>
    Query,
    /// <summary>The request method (HEAD counts as GET).</summary>
    Method,
}
