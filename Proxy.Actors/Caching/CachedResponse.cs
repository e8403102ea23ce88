using Akka.IO;
using Proxy.Shared.Caching;
using Proxy.Shared.Http;

namespace Proxy.Actors.Caching;

/// <summary>
/// One stored response (RFC 9111 §3): its status, its header fields as the backend sent them (hop-by-hop fields
/// removed, before the route's own response filters), its whole body, and what freshness and age are computed from.
/// Immutable once stored: a hit copies the header fields it serves, so entries are shared by every request.
/// </summary>
public sealed class CachedResponse
{
    public CachedResponse(string primaryKey, string host, string target, HttpResponseHead head, ByteString body,
        DateTimeOffset requestTime, DateTimeOffset responseTime, string[]? varyFields, string secondaryKey, TimeSpan lifetime)
    {
        var headers = Headers = head.Headers;
        PrimaryKey = primaryKey;
        Host = host;
        Target = target;
        Tags = TagsOf(headers);
        Status = head.Status;
        Reason = head.Reason;
        Body = body;
        RequestTime = requestTime;
        ResponseTime = responseTime;
        VaryFields = varyFields;
        SecondaryKey = secondaryKey;
        Lifetime = lifetime;
        Control = CacheControl.Parse(headers);
        _initialAge = CachePolicy.CurrentAge(head, requestTime, responseTime, responseTime);
        // What the entry costs in memory: the body, and roughly its fields (two strings and a slot each).
        long fields = 0;
        foreach (var field in headers) fields += 2L * (field.Key.Length + field.Value.Length) + 64;
        Size = body.Count + fields + 256;
    }

    public string PrimaryKey { get; }
    /// <summary>The request's authority (host[:port], lower-case) and its path with the query: what a purge matches.</summary>
    public string Host { get; }
    public string Target { get; }
    /// <summary>The purge tags the response carried (<c>Surrogate-Key</c>: space-separated; <c>Cache-Tag</c>: comma-separated).</summary>
    public IReadOnlyList<string> Tags { get; }
    public int Status { get; }
    public string Reason { get; }
    /// <summary>Shared by every hit: never changed; a hit serves a copy.</summary>
    public HttpHeaderList Headers { get; }
    public ByteString Body { get; }
    /// <summary>§4.2.3 request_time and response_time.</summary>
    public DateTimeOffset RequestTime { get; }
    public DateTimeOffset ResponseTime { get; }
    /// <summary>The response's Vary field names (lower-case); null without Vary.</summary>
    public string[]? VaryFields { get; }
    /// <summary>The request's values of <see cref="VaryFields"/>, normalised (<see cref="CachePolicy.SecondaryKey"/>).</summary>
    public string SecondaryKey { get; }
    /// <summary>The freshness lifetime (§4.2.1).</summary>
    public TimeSpan Lifetime { get; }
    public CacheControl Control { get; }
    /// <summary>Bytes charged against the cache's max-memory.</summary>
    public long Size { get; }

    private static IReadOnlyList<string> TagsOf(HttpHeaderList headers)
    {
        List<string>? tags = null;
        foreach (var field in headers)
        {
            char[]? separators = field.Key.Equals("Surrogate-Key", StringComparison.OrdinalIgnoreCase) ? [' ', '\t']
                : field.Key.Equals("Cache-Tag", StringComparison.OrdinalIgnoreCase) ? [','] : null;
            if (separators is null) continue;
            foreach (var tag in field.Value.Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                (tags ??= []).Add(tag);
        }
        return tags ?? (IReadOnlyList<string>)[];
    }

    /// <summary>§4.2.3 corrected_initial_age: the age when it was received.</summary>
    private readonly TimeSpan _initialAge;

    /// <summary>§4.2.3: current_age = corrected_initial_age + resident_time.</summary>
    public TimeSpan AgeAt(DateTimeOffset now) => _initialAge + (now > ResponseTime ? now - ResponseTime : TimeSpan.Zero);

    /// <summary>The stored head (framing as stored: Content-Length of the whole body).</summary>
    public HttpResponseHead Head => StoredHead(Status, Reason, Headers, Body.Count);

    /// <summary>A stored response's head: the whole body is at hand, so it is framed by its length (a 204 has none).</summary>
    public static HttpResponseHead StoredHead(int status, string reason, HttpHeaderList headers, int bodyLength) => new()
    {
        Status = status, Reason = reason, Version = 11, Headers = headers,
        Framing = status == 204 ? BodyFraming.None : BodyFraming.ContentLength, ContentLength = bodyLength,
    };
}
