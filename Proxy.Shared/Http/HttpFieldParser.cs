using System.Text;

namespace Proxy.Shared.Http;

/// <summary>
/// Parses the field lines of a header or trailer section (RFC 9112 §5): CRLF line endings only, no obs-fold,
/// token names with no whitespace before the colon, values without CTLs. Shared by requests, responses and
/// chunked trailers so the three follow the same rules.
/// </summary>
public static class HttpFieldParser
{
    private static readonly string[] KnownNames =
    [
        "Host", "Connection", "Content-Length", "Transfer-Encoding", "Content-Type", "Accept", "Accept-Encoding",
        "Accept-Language", "User-Agent", "Cookie", "Set-Cookie", "Date", "Server", "Cache-Control", "Expect",
        "Upgrade", "Keep-Alive", "Te", "Trailer", "Via", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
        "Authorization", "Proxy-Authorization", "Proxy-Connection", "Referer", "Origin", "Last-Modified", "ETag",
        "If-None-Match", "If-Modified-Since", "Location", "Vary", "Pragma", "Content-Encoding", "X-Request-ID",
    ];

    /// <summary>
    /// Parses one field line (without its CRLF) into <paramref name="headers"/>.
    /// </summary>
    public static bool TryParseLine(ReadOnlySpan<byte> line, HttpHeaderList headers, out HttpParseError error)
    {
        if (line[0] == ' ' || line[0] == '\t')
        {
            error = HttpParseError.BadRequest("obsolete line folding (obs-fold) is not allowed");
            return false;
        }
        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            error = HttpParseError.BadRequest("header line without a field name and ':'");
            return false;
        }
        var name = line[..colon];
        if (!HttpSyntax.IsToken(name))
        {
            error = HttpParseError.BadRequest(name[^1] is (byte)' ' or (byte)'\t'
                ? "whitespace between header name and ':'"
                : "invalid character in header name");
            return false;
        }
        var value = HttpSyntax.TrimOws(line[(colon + 1)..]);
        foreach (var b in value)
        {
            if (HttpSyntax.IsFieldValueChar(b)) continue;
            error = HttpParseError.BadRequest("invalid character in header value");
            return false;
        }
        headers.Add(NameString(name), value.IsEmpty ? string.Empty : Encoding.Latin1.GetString(value));
        error = default;
        return true;
    }

    /// <summary>
    /// Parses field lines from <paramref name="buffer"/> starting at <paramref name="offset"/> up to and including
    /// the empty line that ends the section.
    /// </summary>
    /// <returns>Complete with <paramref name="end"/> just past the empty line; Incomplete when no empty line yet.</returns>
    public static ParseStatus ParseSection(ReadOnlySpan<byte> buffer, int offset, HttpHeaderList headers, int maxFields,
        out int end, out HttpParseError error)
    {
        end = 0;
        var pos = offset;
        while (true)
        {
            var lf = buffer[pos..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                // A CR anywhere but at the very end of what we have is a bare CR.
                var cr = buffer[pos..].IndexOf((byte)'\r');
                if (cr >= 0 && pos + cr != buffer.Length - 1)
                {
                    error = HttpParseError.BadRequest("bare CR in header section");
                    return ParseStatus.Invalid;
                }
                error = default;
                return ParseStatus.Incomplete;
            }
            lf += pos;
            if (lf == pos || buffer[lf - 1] != '\r')
            {
                error = HttpParseError.BadRequest("bare LF in header section (CRLF required)");
                return ParseStatus.Invalid;
            }
            var line = buffer[pos..(lf - 1)];
            if (line.IsEmpty)
            {
                end = lf + 1;
                error = default;
                return ParseStatus.Complete;
            }
            if (line.IndexOf((byte)'\r') >= 0)
            {
                error = HttpParseError.BadRequest("bare CR in header section");
                return ParseStatus.Invalid;
            }
            if (headers.Count >= maxFields)
            {
                error = new HttpParseError(431, $"more than {maxFields} header fields");
                return ParseStatus.Invalid;
            }
            if (!TryParseLine(line, headers, out error)) return ParseStatus.Invalid;
            pos = lf + 1;
        }
    }

    private static string NameString(ReadOnlySpan<byte> name)
    {
        // Common names come from a table so most requests allocate no strings for names.
        foreach (var known in KnownNames)
        {
            if (known.Length != name.Length) continue;
            var same = true;
            for (var i = 0; i < name.Length; i++)
            {
                if (name[i] == known[i]) continue;
                same = false;
                break;
            }
            if (same) return known;
        }
        return Encoding.ASCII.GetString(name);
    }
}
