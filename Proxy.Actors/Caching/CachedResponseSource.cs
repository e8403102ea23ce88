using Akka.IO;
using Proxy.Actors.Exchange;
using Proxy.Shared.Http;

namespace Proxy.Actors.Caching;

/// <summary>
/// A stored response as one request is served it (a hit): a copy of the stored header fields with this hit's <c>Age</c> and
/// <c>Cache-Status</c>, and the stored body in one piece (it is in memory already; the client connection writes it
/// as fast as the client takes it). A 304 for a client's own conditional request has the fields RFC 9110 §15.4.5
/// names and no body.
/// </summary>
internal static class CachedResponseSource
{
    public static BufferedResponse Hit(CachedResponse entry, TimeSpan age, string cacheStatus)
    {
        var headers = new HttpHeaderList(entry.Headers.Count + 2);
        foreach (var field in entry.Headers)
            if (!field.Key.Equals("Age", StringComparison.OrdinalIgnoreCase)) headers.Add(field.Key, field.Value);
        AddAgeAndStatus(headers, age, cacheStatus);
        return new BufferedResponse(CachedResponse.StoredHead(entry.Status, entry.Reason, headers, entry.Body.Count), entry.Body);
    }

    public static BufferedResponse NotModified(CachedResponse entry, HttpHeaderList fields, TimeSpan age, string cacheStatus)
    {
        AddAgeAndStatus(fields, age, cacheStatus);
        var head = new HttpResponseHead
        {
            Status = 304, Reason = "Not Modified", Version = 11, Headers = fields, Framing = BodyFraming.None, KeepAlive = true,
        };
        return new BufferedResponse(head, ByteString.Empty);
    }

    private static void AddAgeAndStatus(HttpHeaderList headers, TimeSpan age, string cacheStatus)
    {
        headers.Add("Age", ((long)Math.Max(0, age.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        headers.Add("Cache-Status", cacheStatus);
    }
}
