using Proxy.Shared.Configuration;
using Proxy.Shared.Http;

namespace Proxy.Shared.Routing;

/// <summary>The value a <c>hash-key</c> or <c>split-key</c> names in a request: the client's address, a header or a
/// cookie; null when the request has none of it.</summary>
public static class RequestKey
{
    public static string? Of(HashKeySettings key, HttpRequestHead request, string client) => key.Source switch
    {
        HashKeySource.Header => request.Headers.Get(key.Name!),
        HashKeySource.Cookie => CookieValue(request.Headers.Get("Cookie"), key.Name!),
        _ => client,
    };

    private static string? CookieValue(string? cookies, string name)
    {
        if (cookies is null) return null;
        foreach (var range in cookies.AsSpan().Split(';'))
        {
            var pair = cookies.AsSpan(range).Trim();
            var eq = pair.IndexOf('=');
            if (eq > 0 && pair[..eq].SequenceEqual(name)) return pair[(eq + 1)..].ToString();
        }
        return null;
    }
}
