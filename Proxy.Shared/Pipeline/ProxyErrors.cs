using System.Text;
using Proxy.Shared.Http;

namespace Proxy.Shared.Pipeline;

/// <summary>The one table from <see cref="ProxyError"/> to the status and default short text the client gets.</summary>
public static class ProxyErrors
{
    private static readonly (int Status, string Text)[] Table = Build();
    private static readonly string[] Types = Enum.GetValues<ProxyError>().Select(SnakeCase).ToArray();

    public static int StatusOf(ProxyError error) => Table[(int)error].Status;

    /// <summary>The text sent when the site has nothing more precise to say.</summary>
    public static string TextOf(ProxyError error) => Table[(int)error].Text;

    /// <summary><c>no_healthy_backend</c>: the error's name for logs and metrics.</summary>
    public static string TypeOf(ProxyError error) => Types[(int)error];

    /// <summary>The error for a request the parser refused, by the status it chose.</summary>
    public static ProxyError OfParseError(HttpParseError error) => error.Status switch
    {
        413 => ProxyError.RequestBodyTooLarge,
        414 => ProxyError.UriTooLong,
        431 => ProxyError.RequestHeadTooLarge,
        501 => ProxyError.TransferCodingNotImplemented,
        505 => ProxyError.HttpVersionNotSupported,
        _ => ProxyError.MalformedRequest,
    };

    private static (int, string)[] Build()
    {
        var table = new (int, string)[Enum.GetValues<ProxyError>().Length];
        void Set(ProxyError error, int status, string text) => table[(int)error] = (status, text);

        Set(ProxyError.MalformedRequest, 400, "malformed request");
        Set(ProxyError.UriTooLong, 414, "request target too long");
        Set(ProxyError.RequestHeadTooLarge, 431, "request head too large");
        Set(ProxyError.RequestBodyTooLarge, 413, "request body too large");
        Set(ProxyError.TransferCodingNotImplemented, 501, "transfer coding not implemented");
        Set(ProxyError.HttpVersionNotSupported, 505, "HTTP version not supported");
        Set(ProxyError.RequestHeadTimeout, 408, "request head not received in time");

        Set(ProxyError.ConnectNotAllowed, 405, "CONNECT is not allowed on this listener");
        Set(ProxyError.NoRoute, 404, "no route matches this request");
        Set(ProxyError.NoPool, 503, "no backend pool for this route");
        Set(ProxyError.RateLimited, 429, "rate limit exceeded");
        Set(ProxyError.QuotaUsedUp, 429, "quota used up");
        Set(ProxyError.RateLimitStoreUnavailable, 503, "rate limit store is unavailable");
        Set(ProxyError.RequestFilterFailed, 500, "request filter failed");
        Set(ProxyError.ResponseFilterFailed, 500, "response filter failed");
        Set(ProxyError.NotInCache, 504, "only-if-cached: no stored response to answer with");
        Set(ProxyError.NotCacheOwner, 421, "this node has no cache for the route asked for");
        Set(ProxyError.PurgeTokenMissing, 401, "purge token required");
        Set(ProxyError.PurgeTokenInvalid, 403, "purge token not valid");
        Set(ProxyError.ClientNotAllowed, 403, "client address not allowed");
        Set(ProxyError.ApiKeyMissing, 401, "API key required");
        Set(ProxyError.ApiKeyInvalid, 401, "API key not valid");
        Set(ProxyError.CredentialsRequired, 401, "valid credentials required");

        Set(ProxyError.NoHealthyBackend, 503, "no healthy backend available");
        Set(ProxyError.UpstreamConnectionLimit, 503, "upstream connection limit reached");
        Set(ProxyError.UpstreamConnectFailed, 502, "upstream connection failed");
        Set(ProxyError.UpstreamConnectTimeout, 504, "upstream connect timed out");
        Set(ProxyError.UpstreamSendTimeout, 504, "upstream did not take the request in time");
        Set(ProxyError.UpstreamResponseTimeout, 504, "upstream response timed out");
        Set(ProxyError.UpstreamBroken, 502, "upstream connection broken");
        Set(ProxyError.UpstreamMalformedResponse, 502, "malformed response from upstream");
        Set(ProxyError.UpstreamResponseHeadTooLarge, 502, "upstream response head too large");
        Set(ProxyError.UpstreamUnexpectedSwitch, 502, "unexpected protocol switch from upstream");
        Set(ProxyError.UpstreamRetriesExhausted, 502, "upstream answered with a retried status");
        Set(ProxyError.UpstreamUnavailable, 503, "upstream answered 503");
        Set(ProxyError.UpgradeOverTls, 502, "protocol upgrades to https:// backends are not supported");

        Set(ProxyError.ForwardNotConfigured, 503, "forward proxying is not configured on this listener");
        Set(ProxyError.ForwardNeedsConnect, 400, "https:// targets must be tunnelled with CONNECT");
        Set(ProxyError.ForwardTargetMissing, 400,
            "a forward proxy request needs an absolute-form target (http://host/path) or a Host header");
        Set(ProxyError.TargetNotAllowed, 403, "target not allowed");
        Set(ProxyError.UpstreamProxyNotAllowed, 403, "upstream proxy not allowed");
        Set(ProxyError.TooManyUpstreamProxies, 503, "too many distinct upstream proxies in use on this node");
        Set(ProxyError.UpstreamProxyHeaderInvalid, 400, "invalid upstream proxy header");
        Set(ProxyError.UpstreamProxyRefusedCredentials, 502, "upstream proxy refused the credentials");
        Set(ProxyError.UpstreamProxyFailed, 502, "upstream proxy failed");
        Set(ProxyError.UpstreamProxyTimeout, 504, "upstream proxy did not answer in time");

        for (var i = 0; i < table.Length; i++)
            if (table[i].Item1 == 0) throw new InvalidOperationException($"ProxyErrors: no entry for {(ProxyError)i}");
        return table;
    }

    private static string SnakeCase(ProxyError error)
    {
        var name = error.ToString();
        var snake = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) snake.Append('_');
            snake.Append(char.ToLowerInvariant(name[i]));
        }
        return snake.ToString();
    }
}
