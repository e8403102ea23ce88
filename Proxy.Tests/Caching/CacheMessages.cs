using Proxy.Shared.Http;

namespace Proxy.Tests.Caching;

/// <summary>Request and response heads for the caching policy tests, built from (name, value) pairs.</summary>
internal static class CacheMessages
{
    public static HttpHeaderList Headers(params (string Name, string Value)[] fields)
    {
        var list = new HttpHeaderList();
        foreach (var (name, value) in fields) list.Add(name, value);
        return list;
    }

    public static HttpRequestHead Request(string method, string target, params (string Name, string Value)[] fields)
        => RequestTo("example.com", method, target, fields);

    public static HttpRequestHead Get(params (string Name, string Value)[] fields) => Request("GET", "/a", fields);

    public static HttpRequestHead RequestTo(string authority, string method, string target, params (string Name, string Value)[] fields)
    {
        var question = target.IndexOf('?');
        return new HttpRequestHead
        {
            Method = method,
            Target = target,
            Path = question < 0 ? target : target[..question],
            Query = question < 0 ? "" : target[(question + 1)..],
            Version = 11,
            Headers = Headers(fields),
            Host = HostSyntax.HostWithoutPort(authority),
            Authority = authority,
        };
    }

    public static HttpResponseHead Response(int status, params (string Name, string Value)[] fields)
    {
        var headers = Headers(fields);
        var length = headers.Get("Content-Length");
        return new HttpResponseHead
        {
            Status = status,
            Reason = "",
            Version = 11,
            Headers = headers,
            Framing = length is null ? BodyFraming.None : BodyFraming.ContentLength,
            ContentLength = length is null ? -1 : long.Parse(length),
        };
    }

    public static List<(string, string)> Fields(HttpHeaderList list)
    {
        var fields = new List<(string, string)>();
        for (var i = 0; i < list.Count; i++) fields.Add((list[i].Key, list[i].Value));
        return fields;
    }
}
