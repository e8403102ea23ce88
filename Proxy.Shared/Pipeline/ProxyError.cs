namespace Proxy.Shared.Pipeline;

/// <summary>
/// Every reason the proxy answers a request itself instead of relaying a backend's response. The status and short
/// text each one gives the client are in <see cref="ProxyErrors"/>, one table; <see cref="ProxyErrors.TypeOf"/> names
/// it for logs (and metrics' <c>error_type</c>).
/// </summary>
public enum ProxyError
{
    // The client's request, as the parser or the head timeout found it.
    MalformedRequest,
    UriTooLong,
    RequestHeadTooLarge,
    RequestBodyTooLarge,
    TransferCodingNotImplemented,
    HttpVersionNotSupported,
    RequestHeadTimeout,

    // Routing and request filters.
    ConnectNotAllowed,
    NoRoute,
    NoPool,
    RateLimited,
    QuotaUsedUp,
    RateLimitStoreUnavailable,
    RequestFilterFailed,
    ClientNotAllowed,
    ApiKeyMissing,
    ApiKeyInvalid,
    CredentialsRequired,
    ResponseFilterFailed,
    /// <summary>E5: the request said only-if-cached (RFC 9111 §5.2.1.7) and no stored response can answer it.</summary>
    NotInCache,
    /// <summary>E5: another node asked this one for a key of a route it has no cache for (or sent no route); the asker
    /// goes to the origin.</summary>
    NotCacheOwner,
    /// <summary>E5: a PURGE on a route whose cache takes them, without a bearer token.</summary>
    PurgeTokenMissing,
    /// <summary>E5: a PURGE with a token that is not the route's purge-token.</summary>
    PurgeTokenInvalid,

    // The backend side.
    NoHealthyBackend,
    UpstreamConnectionLimit,
    UpstreamConnectFailed,
    UpstreamConnectTimeout,
    UpstreamSendTimeout,
    UpstreamResponseTimeout,
    UpstreamBroken,
    UpstreamMalformedResponse,
    UpstreamResponseHeadTooLarge,
    UpstreamUnexpectedSwitch,
    UpstreamRetriesExhausted,
    UpstreamUnavailable,
    UpgradeOverTls,

    // Forward proxying (targets, upstream proxies, CONNECT tunnels).
    ForwardNotConfigured,
    ForwardNeedsConnect,
    ForwardTargetMissing,
    TargetNotAllowed,
    UpstreamProxyNotAllowed,
    TooManyUpstreamProxies,
    UpstreamProxyHeaderInvalid,
    UpstreamProxyRefusedCredentials,
    UpstreamProxyFailed,
    UpstreamProxyTimeout,
}
