namespace Proxy.Shared.Http;

/// <summary>
/// Connection-specific fields a proxy must not forward (RFC 9110 §7.6.1), plus any field the message's own
/// <c>Connection</c> header names.
/// </summary>
public static class HopByHopHeaders
{
    private static readonly string[] Names =
    [
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade",
    ];

    /// <summary>Removes hop-by-hop fields in place; framing headers are re-added by the writer.</summary>
    public static void Strip(HttpHeaderList headers)
    {
        var connection = headers.Get("Connection");
        if (connection is not null && connection.Length > 0)
        {
            foreach (var range in connection.AsSpan().Split(','))
            {
                var token = connection.AsSpan(range).Trim(" \t");
                if (!token.IsEmpty) headers.Remove(token.ToString());
            }
        }
        foreach (var name in Names) headers.Remove(name);
    }
}
