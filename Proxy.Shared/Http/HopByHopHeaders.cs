namespace Proxy.Shared.Http;

/// <summary>
/// Connection-specific fields a proxy must not forward (RFC 9110 §7.6.1), plus any field the message's own
/// <c>Connection</c> header names. <c>Trailer</c> is end to end since RFC 9110 (§6.6.2): the exchange drops
/// it only where the message it forwards carries no trailers (a body that is not chunked).
/// </summary>
public static class HopByHopHeaders
{
    private static readonly string[] Names =
    [
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE",
        "Transfer-Encoding", "Upgrade",
    ];

    /// <summary>Removes hop-by-hop fields in place; framing headers are re-added by the writer.</summary>
    public static void Strip(HttpHeaderList headers)
    {
        // Connection may arrive as several field lines that form one list (RFC 9110 §5.3); each line names fields
        // to remove. The Connection lines themselves are removed last, so the nth of them stays the nth meanwhile.
        for (var nth = 0; ; nth++)
        {
            var index = NthIndexOf(headers, "Connection", nth);
            if (index < 0) break;
            var connection = headers[index].Value;
            foreach (var range in connection.AsSpan().Split(','))
            {
                var token = connection.AsSpan(range).Trim(" \t");
                if (!token.IsEmpty && !token.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                    RemoveNamed(headers, token);
            }
        }
        foreach (var name in Names) headers.Remove(name);
    }

    private static int NthIndexOf(HttpHeaderList headers, string name, int nth)
    {
        var index = headers.IndexOf(name, 0);
        while (index >= 0 && nth-- > 0) index = headers.IndexOf(name, index + 1);
        return index;
    }

    // Compares spans so the usual "keep-alive" / "close" tokens cost no string allocation.
    private static void RemoveNamed(HttpHeaderList headers, ReadOnlySpan<char> name)
    {
        for (var i = headers.Count - 1; i >= 0; i--)
            if (name.Equals(headers[i].Key, StringComparison.OrdinalIgnoreCase))
                headers.RemoveAt(i);
    }
}
