using System.Text.Json;
using Proxy.Actors.Exchange;
using Proxy.Actors.Upstream;
using Proxy.Shared.Admin;
using Proxy.Shared.Caching;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;
using Proxy.Shared.Security;

namespace Proxy.Actors.Caching;

/// <summary>
/// E5: the HTTP <c>PURGE</c> method on a route whose cache has a <c>purge-token</c> (as Varnish and Fastly take it):
/// <c>PURGE /path?query</c> with <c>Authorization: Bearer &lt;token&gt;</c> removes that URL (scheme and host from the
/// request) from every member's store, as <c>pbm cache purge URL</c> does, and answers with each member's
/// acknowledgement (504 when a member did not answer). Without the token the answer is 401, with a wrong one 403; the
/// request never reaches the origin. The token is compared as a SHA-256 digest in constant time and never logged.
/// </summary>
public sealed class HttpPurge
{
    private readonly BearerToken _expected;
    private readonly ResponseCaches _caches;
    private static readonly HttpHeaderList Challenge = ChallengeFields();

    public HttpPurge(string token, ResponseCaches caches)
    {
        _expected = new BearerToken(token);
        _caches = caches;
    }

    public async ValueTask<FilterVerdict> HandleAsync(IExchange exchange)
    {
        var request = exchange.Request!;
        var authorization = request.Headers.Get("Authorization");
        if (authorization is null || !authorization.StartsWith(BearerToken.Scheme, StringComparison.OrdinalIgnoreCase))
            return FilterVerdict.Respond(ProxyError.PurgeTokenMissing, headers: Challenge);
        if (!_expected.Matches(authorization.AsSpan(BearerToken.Scheme.Length).Trim())) return FilterVerdict.Respond(ProxyError.PurgeTokenInvalid);
        var authority = request.Authority.Length > 0 ? request.Authority : request.Host;
        var url = (exchange.Secure ? "https://" : "http://") + authority + UpstreamRequestWriter.TargetFor(request, throughProxy: false, rewritten: null);
        var purge = new PurgeCache(url, null, null);
        var (status, view) = _caches.ClusterPurge is { } everywhere
            ? await everywhere(purge).ConfigureAwait(false)
            : (200, new CachePurgeView("url " + url, [new CachePurgeAck("(this node)", _caches.Purge(purge))], []));
        return FilterVerdict.Serve(BufferedResponse.Of(status, "application/json", JsonSerializer.SerializeToUtf8Bytes(view, AdminJson.Options)));
    }

    private static HttpHeaderList ChallengeFields()
    {
        var fields = new HttpHeaderList(1);
        fields.Add("WWW-Authenticate", "Bearer realm=\"purge\"");
        return fields;
    }
}
