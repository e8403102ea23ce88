using Proxy.Shared.Configuration;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange.Filters;

/// <summary>
/// E6: every request carries an id in one header field (<c>X-Request-ID</c> by default): the client's own when it
/// sent exactly one of at most 128 visible ASCII characters, otherwise a new UUID v7 (time-ordered, so ids sort by
/// arrival in logs). The id goes upstream with the request, back to the client on every response (relayed or the
/// node's own) and into the access log as <c>requestId</c>.
/// </summary>
public sealed class RequestIdFilter(RequestIdSettings settings) : IRequestFilter, IResponseHeadFilter
{
    /// <summary>The longest client id kept.</summary>
    public const int MaxLength = 128;

    public ValueTask<FilterVerdict> OnRequestAsync(IExchange exchange)
    {
        var id = Resolve(exchange);
        var headers = exchange.Request!.Headers;
        if (id is null) headers.Remove(settings.Header); // an unusable client id is not passed on as if it were one
        else headers.Set(settings.Header, id);
        return ValueTask.FromResult(FilterVerdict.Continue);
    }

    public void OnResponseHead(IExchange exchange, HttpResponseHead head)
    {
        if (Resolve(exchange) is { } id) head.Headers.Set(settings.Header, id);
    }

    /// <summary>The exchange's id, decided on first use: an answer given before the request filters ran (no route, a
    /// malformed head) gets one here.</summary>
    private string? Resolve(IExchange exchange) =>
        exchange.RequestId ??= ClientId(exchange.Request) ?? (settings.Generate ? RequestIds.NewUuidV7() : null);

    /// <summary>The client's id when it sent exactly one usable field; null otherwise.</summary>
    private string? ClientId(HttpRequestHead? request)
    {
        if (request is null) return null;
        var headers = request.Headers;
        var index = headers.IndexOf(settings.Header, 0);
        if (index < 0 || headers.IndexOf(settings.Header, index + 1) >= 0) return null;
        var value = headers[index].Value;
        return IsUsable(value) ? value : null;
    }

    /// <summary>1–128 visible ASCII characters (no spaces, controls or non-ASCII).</summary>
    public static bool IsUsable(string value)
    {
        if (value.Length is 0 or > MaxLength) return false;
        foreach (var c in value)
            if (c is < '!' or > '~') return false;
        return true;
    }
}
