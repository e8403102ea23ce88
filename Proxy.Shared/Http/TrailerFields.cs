namespace Proxy.Shared.Http;

/// <summary>
/// Fields that may not be sent as trailers (RFC 9110 §6.5.1): whatever has to be known before the content is
/// read — framing, routing, request modifiers, authentication, response controls, content format — is dropped
/// from a trailer section before it is passed on, so that no recipient merges it into the header section.
/// </summary>
public static class TrailerFields
{
    private static readonly string[] Disallowed =
    [
        // Framing and connection management.
        "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade",
        // Routing.
        "Host", "Max-Forwards",
        // Request modifiers and controls.
        "Expect", "Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range",
        "Cache-Control", "Pragma",
        // Authentication and state.
        "Authorization", "Proxy-Authorization", "WWW-Authenticate", "Proxy-Authenticate", "Cookie", "Set-Cookie",
        // Response controls.
        "Age", "Expires", "Date", "Location", "Retry-After", "Vary", "Warning",
        // Content format.
        "Content-Encoding", "Content-Type", "Content-Range",
    ];

    /// <summary>Removes, in place, every field that a trailer section may not carry.</summary>
    public static void RemoveDisallowed(HttpHeaderList trailers)
    {
        for (var i = trailers.Count - 1; i >= 0; i--)
        {
            var name = trailers[i].Key;
            foreach (var disallowed in Disallowed)
            {
                if (!disallowed.Equals(name, StringComparison.OrdinalIgnoreCase)) continue;
                trailers.RemoveAt(i);
                break;
            }
        }
    }
}
