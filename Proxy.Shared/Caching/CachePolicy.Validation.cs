using Proxy.Shared.Http;

namespace Proxy.Shared.Caching;

public static partial class CachePolicy
{
    // The fields a 304 carries from the stored response (RFC 9110 §15.4.5), in the order they are looked for.
    private static readonly string[] NotModifiedFieldNames = ["Cache-Control", "Content-Location", "Date", "ETag", "Expires", "Vary"];

    // Fields a 304 does not update in the stored response (RFC 9111 §3.2): Content-Length, the framing and
    // hop-by-hop fields (§3.1, RFC 9110 §7.6.1), the proxy-specific ones (§3.1), and those describing the stored
    // bytes themselves (Content-Encoding, Content-Range), which the stored content depends on.
    private static readonly string[] KeptOnMerge =
    [
        "Content-Length", "Transfer-Encoding", "Content-Encoding", "Content-Range", "Trailer", "Connection", "Keep-Alive",
        "Proxy-Connection", "TE", "Upgrade", "Proxy-Authenticate", "Proxy-Authentication-Info", "Proxy-Authorization",
    ];

    /// <summary>
    /// Whether the cache answers a client's conditional GET or HEAD with 304 from <paramref name="stored"/>
    /// (RFC 9111 §4.3.2, RFC 9110 §13.1.2, §13.1.3, §13.2.2): with <c>If-None-Match</c>, when one of its entity-tags
    /// matches the stored ETag by weak comparison (§8.8.3.2: <c>W/"a"</c> matches <c>"a"</c>) or it is <c>*</c>;
    /// only without If-None-Match, when <c>If-Modified-Since</c> is a valid HTTP-date on one field line and the
    /// stored Last-Modified (else its Date, §4.3.2) is at or before it. Never for other methods or when the stored
    /// status is not 2xx (RFC 9110 §13.2.1).
    /// </summary>
    public static bool NotModified(HttpRequestHead request, HttpResponseHead stored)
    {
        if (request.Method is not ("GET" or "HEAD") || stored.Status is < 200 or > 299) return false;
        var headers = request.Headers;
        var ifNoneMatch = headers.IndexOf("If-None-Match", 0);
        if (ifNoneMatch >= 0)
        {
            var etag = stored.Headers.Get("ETag");
            for (var i = ifNoneMatch; i >= 0; i = headers.IndexOf("If-None-Match", i + 1))
                if (AnyTagMatches(headers[i].Value, etag)) return true;
            return false;
        }
        var ifModifiedSince = headers.IndexOf("If-Modified-Since", 0);
        if (ifModifiedSince < 0 || headers.IndexOf("If-Modified-Since", ifModifiedSince + 1) >= 0) return false;
        if (!HttpDate.TryParse(headers[ifModifiedSince].Value, out var since)) return false;
        if (!HttpDate.TryParse(stored.Headers.Get("Last-Modified"), out var modified)
            && !HttpDate.TryParse(stored.Headers.Get("Date"), out modified))
            return false;
        return modified <= since;
    }

    /// <summary>
    /// The header fields of a 304 answering a conditional request from <paramref name="stored"/> (RFC 9110
    /// §15.4.5): Cache-Control, Content-Location, Date, ETag, Expires and Vary as stored, and Last-Modified only
    /// when there is no ETag (the RFC's example of metadata that guides cache updates). The caller adds Age and
    /// Cache-Status.
    /// </summary>
    public static HttpHeaderList NotModifiedHeaders(HttpResponseHead stored)
    {
        var source = stored.Headers;
        var result = new HttpHeaderList(8);
        foreach (var name in NotModifiedFieldNames) CopyAll(source, name, result);
        if (!source.Contains("ETag")) CopyAll(source, "Last-Modified", result);
        return result;
    }

    /// <summary>
    /// Makes <paramref name="upstreamRequestHeaders"/> a validation request for <paramref name="stored"/>
    /// (RFC 9111 §4.3.1): <c>If-None-Match</c> with the stored ETag and <c>If-Modified-Since</c> with the stored
    /// Last-Modified, each when the stored response has it. The client's own If-None-Match and If-Modified-Since
    /// are removed first: a 304 must be about the stored response, not about the client's copy.
    /// </summary>
    public static void AddValidators(HttpHeaderList upstreamRequestHeaders, HttpResponseHead stored)
    {
        upstreamRequestHeaders.Remove("If-None-Match");
        upstreamRequestHeaders.Remove("If-Modified-Since");
        var etag = stored.Headers.Get("ETag");
        if (etag is not null && TryOpaqueTag(etag, out _)) upstreamRequestHeaders.Add("If-None-Match", etag);
        var lastModified = stored.Headers.Get("Last-Modified");
        if (lastModified is not null && HttpDate.TryParse(lastModified, out _)) upstreamRequestHeaders.Add("If-Modified-Since", lastModified);
    }

    /// <summary>
    /// The stored header fields freshened by a 304 (RFC 9111 §3.2, §4.3.4): every field in the 304 replaces all
    /// stored lines of that name (in the first one's place; new names go last), except Content-Length, the framing,
    /// hop-by-hop and proxy-specific fields (and any the 304's Connection names), Content-Encoding and
    /// Content-Range, which stay as stored because the stored content depends on them. Returns a new list.
    /// </summary>
    public static HttpHeaderList MergeNotModified(HttpHeaderList storedHeaders, HttpHeaderList notModifiedHeaders)
    {
        var result = new HttpHeaderList(storedHeaders.Count + notModifiedHeaders.Count);
        for (var i = 0; i < storedHeaders.Count; i++)
        {
            var name = storedHeaders[i].Key;
            if (!Updates(notModifiedHeaders, name))
            {
                result.Add(name, storedHeaders[i].Value);
                continue;
            }
            if (storedHeaders.IndexOf(name, 0) == i) CopyAll(notModifiedHeaders, name, result);
        }
        for (var i = 0; i < notModifiedHeaders.Count; i++)
        {
            var name = notModifiedHeaders[i].Key;
            if (!storedHeaders.Contains(name) && Updates(notModifiedHeaders, name)) result.Add(name, notModifiedHeaders[i].Value);
        }
        return result;
    }

    // Whether the 304's lines named `name` replace the stored ones.
    private static bool Updates(HttpHeaderList notModified, string name)
    {
        if (!notModified.Contains(name)) return false;
        foreach (var kept in KeptOnMerge)
            if (string.Equals(kept, name, StringComparison.OrdinalIgnoreCase)) return false;
        for (var i = notModified.IndexOf("Connection", 0); i >= 0; i = notModified.IndexOf("Connection", i + 1))
            if (HttpSyntax.ListContains(notModified[i].Value, name)) return false;
        return true;
    }

    private static void CopyAll(HttpHeaderList source, string name, HttpHeaderList target)
    {
        for (var i = source.IndexOf(name, 0); i >= 0; i = source.IndexOf(name, i + 1)) target.Add(source[i].Key, source[i].Value);
    }

    // If-None-Match = "*" / #entity-tag; weak comparison of each against the stored ETag (RFC 9110 §8.8.3.2).
    private static bool AnyTagMatches(string ifNoneMatch, string? storedEtag)
    {
        var storedValid = TryOpaqueTag(storedEtag, out var stored);
        var value = ifNoneMatch.AsSpan();
        var position = 0;
        while (FieldValues.NextElement(value, ref position, out var element))
        {
            if (element is "*") return true;
            if (storedValid && TryOpaqueTag(element, out var tag) && tag.SequenceEqual(stored)) return true;
        }
        return false;
    }

    // entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; the opaque-tag is the quoted part, quotes included.
    private static bool TryOpaqueTag(ReadOnlySpan<char> entityTag, out ReadOnlySpan<char> opaque)
    {
        opaque = FieldValues.TrimOws(entityTag);
        if (opaque.StartsWith("W/")) opaque = opaque[2..];
        if (opaque.Length < 2 || opaque[0] != '"' || opaque[^1] != '"') return false;
        return opaque[1..^1].IndexOf('"') < 0;
    }
}
