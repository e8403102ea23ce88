using Proxy.Shared.Configuration;
using Proxy.Shared.Http;
using Proxy.Shared.Security;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange.Filters;

/// <summary>
/// E7: <c>auth { api-keys { header, keys-file } }</c>. A request needs exactly one key field whose key's SHA-256 is in
/// the keys file (compared in constant time); otherwise 401 with a challenge naming the field. The key never goes
/// upstream (removed just before the request does, after the rate limits that may count by it) and is never logged.
/// </summary>
public sealed class ApiKeyFilter(ApiKeyAuthSettings settings, ReloadingFile<ApiKeyFile> keys) : IRequestFilter, IUpstreamRequestFilter
{
    private readonly HttpHeaderList _challenge = Challenge(settings.Header);

    public ValueTask<FilterVerdict> OnRequestAsync(IExchange exchange)
    {
        var headers = exchange.Request!.Headers;
        var index = headers.IndexOf(settings.Header, 0);
        if (index < 0) return Refuse(ProxyError.ApiKeyMissing);
        if (headers.IndexOf(settings.Header, index + 1) >= 0 || !keys.Current.Accepts(headers[index].Value))
            return Refuse(ProxyError.ApiKeyInvalid);
        return ValueTask.FromResult(FilterVerdict.Continue);
    }

    public void OnUpstreamRequest(IExchange exchange, HttpRequestHead head) => head.Headers.Remove(settings.Header);

    private ValueTask<FilterVerdict> Refuse(ProxyError error) =>
        ValueTask.FromResult(FilterVerdict.Respond(error, headers: _challenge));

    /// <summary>RFC 9110 §15.5.2: a 401 carries a challenge; API keys have no registered scheme, so it names the field.</summary>
    private static HttpHeaderList Challenge(string header)
    {
        var headers = new HttpHeaderList(1);
        headers.Add("WWW-Authenticate", $"ApiKey header=\"{header}\"");
        return headers;
    }
}
