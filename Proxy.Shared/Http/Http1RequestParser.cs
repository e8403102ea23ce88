using System.Text;

namespace Proxy.Shared.Http;

/// <summary>
/// Strict HTTP/1.1 request-head parser (RFC 9112): request line, header section and the message-framing rules
/// that guard against request smuggling. Works on a contiguous buffer; the caller accumulates bytes until the
/// head is complete.
/// </summary>
public static class Http1RequestParser
{
    private static readonly string[] KnownMethods = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE"];
    private static readonly byte[][] KnownMethodBytes = Array.ConvertAll(KnownMethods, Encoding.ASCII.GetBytes);

    public static ParseStatus TryParse(ReadOnlySpan<byte> buffer, HttpLimits limits, out HttpRequestHead? head,
        out int consumed, out HttpParseError error)
    {
        head = null;
        consumed = 0;

        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line (CRLF) received before the request-line.
        var start = 0;
        while (start + 1 < buffer.Length && buffer[start] == '\r' && buffer[start + 1] == '\n') start += 2;

        var lineEnd = buffer[start..].IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            error = default;
            var pending = buffer[start..];
            var firstSpace = pending.IndexOf((byte)' ');
            if (firstSpace >= 0 && pending.Length - firstSpace - 1 > limits.MaxUriBytes &&
                pending[(firstSpace + 1)..].IndexOf((byte)' ') < 0)
            {
                error = new HttpParseError(414, "request-target too long");
                return ParseStatus.Invalid;
            }
            if (buffer.Length >= limits.MaxHeadBytes)
            {
                error = new HttpParseError(431, "request head too large");
                return ParseStatus.Invalid;
            }
            return ParseStatus.Incomplete;
        }
        lineEnd += start;
        if (lineEnd == start || buffer[lineEnd - 1] != '\r')
        {
            error = HttpParseError.BadRequest("request line must end with CRLF");
            return ParseStatus.Invalid;
        }

        if (!TryParseRequestLine(buffer[start..(lineEnd - 1)], limits, out var method, out var target, out var version, out error))
            return ParseStatus.Invalid;

        var headers = new HttpHeaderList();
        var status = HttpFieldParser.ParseSection(buffer, lineEnd + 1, headers, limits.MaxHeaders, out var end, out error);
        if (status == ParseStatus.Incomplete)
        {
            if (buffer.Length >= limits.MaxHeadBytes)
            {
                error = new HttpParseError(431, "request head too large");
                return ParseStatus.Invalid;
            }
            return ParseStatus.Incomplete;
        }
        if (status == ParseStatus.Invalid) return ParseStatus.Invalid;
        if (end > limits.MaxHeadBytes)
        {
            error = new HttpParseError(431, "request head too large");
            return ParseStatus.Invalid;
        }

        if (!TryBuildHead(method, target, version, headers, limits, out head, out error)) return ParseStatus.Invalid;
        consumed = end;
        return ParseStatus.Complete;
    }

    private static bool TryParseRequestLine(ReadOnlySpan<byte> line, HttpLimits limits, out string method,
        out string target, out int version, out HttpParseError error)
    {
        method = target = string.Empty;
        version = 0;
        var sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0)
        {
            error = HttpParseError.BadRequest("malformed request line");
            return false;
        }
        var methodSpan = line[..sp1];
        if (!HttpSyntax.IsToken(methodSpan))
        {
            error = HttpParseError.BadRequest("invalid method");
            return false;
        }
        var rest = line[(sp1 + 1)..];
        var sp2 = rest.IndexOf((byte)' ');
        if (sp2 < 0)
        {
            error = rest.Length > limits.MaxUriBytes
                ? new HttpParseError(414, "request-target too long")
                : HttpParseError.BadRequest("malformed request line (HTTP/0.9 is not supported)");
            return false;
        }
        var targetSpan = rest[..sp2];
        if (targetSpan.Length > limits.MaxUriBytes)
        {
            error = new HttpParseError(414, "request-target too long");
            return false;
        }
        if (targetSpan.IsEmpty)
        {
            error = HttpParseError.BadRequest("empty request-target or extra spaces in request line");
            return false;
        }
        foreach (var b in targetSpan)
        {
            // '#' starts a fragment, which a request-target never carries (RFC 9112 §3.2).
            if (HttpSyntax.IsTargetChar(b) && b != '#') continue;
            error = HttpParseError.BadRequest("invalid character in request-target");
            return false;
        }
        var versionSpan = rest[(sp2 + 1)..];
        if (!TryParseVersion(versionSpan, out version, out error)) return false;

        method = MethodString(methodSpan);
        target = Encoding.ASCII.GetString(targetSpan);
        error = default;
        return true;
    }

    /// <summary>"HTTP/" DIGIT "." DIGIT; 1.0 and 1.1 are served, other well-formed versions get 505.</summary>
    public static bool TryParseVersion(ReadOnlySpan<byte> v, out int version, out HttpParseError error)
    {
        version = 0;
        if (v.Length != 8 || !v.StartsWith("HTTP/"u8) || !char.IsAsciiDigit((char)v[5]) || v[6] != '.' ||
            !char.IsAsciiDigit((char)v[7]))
        {
            error = HttpParseError.BadRequest("malformed HTTP version");
            return false;
        }
        var major = v[5] - '0';
        var minor = v[7] - '0';
        if (major != 1 || minor > 1)
        {
            error = new HttpParseError(505, "HTTP version not supported");
            return false;
        }
        version = 10 + minor;
        error = default;
        return true;
    }

    private static bool TryBuildHead(string method, string target, int version, HttpHeaderList headers,
        HttpLimits limits, out HttpRequestHead? head, out HttpParseError error)
    {
        head = null;

        // Target form (RFC 9112 §3.2).
        string path, query, authorityFromTarget = string.Empty;
        var isConnect = method == "CONNECT";
        if (isConnect)
        {
            if (!HostSyntax.IsValidAuthority(target, requirePort: true))
            {
                error = HttpParseError.BadRequest("CONNECT needs an authority-form target (host:port)");
                return false;
            }
            authorityFromTarget = target;
            path = query = string.Empty;
        }
        else if (target[0] == '/')
        {
            SplitPathQuery(target, out path, out query);
        }
        else if (target == "*" && method == "OPTIONS")
        {
            path = "*";
            query = string.Empty;
        }
        else if (TryGetSchemeLength(target, out var schemeLength))
        {
            var afterScheme = target.AsSpan(schemeLength);
            var slash = afterScheme.IndexOfAny('/', '?');
            var targetAuthority = slash < 0 ? afterScheme : afterScheme[..slash];
            if (targetAuthority.IsEmpty || targetAuthority.Contains('@') || !HostSyntax.IsValidAuthority(targetAuthority, requirePort: false))
            {
                error = HttpParseError.BadRequest("invalid authority in absolute-form request-target");
                return false;
            }
            authorityFromTarget = targetAuthority.ToString();
            var pathAndQuery = slash < 0 ? "/" : afterScheme[slash..].ToString();
            if (pathAndQuery[0] == '?') pathAndQuery = "/" + pathAndQuery;
            SplitPathQuery(pathAndQuery, out path, out query);
        }
        else
        {
            error = HttpParseError.BadRequest("invalid request-target form");
            return false;
        }

        // Host (RFC 9112 §3.2): exactly one in HTTP/1.1; absolute-form authority wins over it.
        string? hostHeader = null;
        var hostCount = 0;
        long contentLength = -1;
        string? transferEncoding = null;
        string? connection = null;
        string? expect = null;
        string? upgrade = null;
        for (var i = 0; i < headers.Count; i++)
        {
            var (name, value) = headers[i];
            switch (name.Length)
            {
                case 4 when name.Equals("Host", StringComparison.OrdinalIgnoreCase):
                    hostCount++;
                    hostHeader = value;
                    break;
                case 14 when name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase):
                    if (!TryMergeContentLength(value, ref contentLength, out error)) return false;
                    break;
                case 17 when name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase):
                    transferEncoding = transferEncoding is null ? value : transferEncoding + ", " + value;
                    break;
                case 10 when name.Equals("Connection", StringComparison.OrdinalIgnoreCase):
                    connection = connection is null ? value : connection + ", " + value;
                    break;
                case 6 when name.Equals("Expect", StringComparison.OrdinalIgnoreCase):
                    expect = value;
                    break;
                case 7 when name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase):
                    upgrade = value;
                    break;
            }
        }

        if (hostCount > 1)
        {
            error = HttpParseError.BadRequest("more than one Host header");
            return false;
        }
        if (version == 11 && hostCount == 0)
        {
            error = HttpParseError.BadRequest("HTTP/1.1 request without Host header");
            return false;
        }
        if (hostHeader is not null && !HostSyntax.IsValidAuthority(hostHeader, requirePort: false) &&
            !(hostHeader.Length == 0 && authorityFromTarget.Length > 0))
        {
            error = HttpParseError.BadRequest("invalid Host header");
            return false;
        }

        var chunked = false;
        if (transferEncoding is not null)
        {
            if (contentLength >= 0)
            {
                error = HttpParseError.BadRequest("both Content-Length and Transfer-Encoding (request smuggling guard)");
                return false;
            }
            if (version == 10)
            {
                error = HttpParseError.BadRequest("Transfer-Encoding in an HTTP/1.0 request");
                return false;
            }
            if (!TryParseTransferEncoding(transferEncoding, out error)) return false;
            chunked = true;
        }

        if (limits.MaxBodyBytes > 0 && contentLength > limits.MaxBodyBytes)
        {
            error = new HttpParseError(413, "request body larger than the configured limit");
            return false;
        }

        var authority = authorityFromTarget.Length > 0 ? authorityFromTarget : hostHeader ?? string.Empty;
        var keepAlive = version == 11
            ? !HttpSyntax.ListContains(connection, "close")
            : HttpSyntax.ListContains(connection, "keep-alive");
        var isUpgrade = upgrade is not null && HttpSyntax.ListContains(connection, "upgrade");

        head = new HttpRequestHead
        {
            Method = method,
            Target = target,
            Path = path,
            Query = query,
            Version = version,
            Headers = headers,
            Authority = authority,
            Host = HostSyntax.HostWithoutPort(authority),
            ContentLength = contentLength,
            Chunked = chunked,
            KeepAlive = keepAlive,
            // RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0 request MUST be ignored.
            ExpectContinue = version == 11 && expect is not null &&
                expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase),
            IsUpgrade = isUpgrade,
        };
        error = default;
        return true;
    }

    /// <summary>
    /// Content-Length may repeat (as fields or a list) only with one identical value (RFC 9110 §8.6).
    /// </summary>
    public static bool TryMergeContentLength(string value, ref long contentLength, out HttpParseError error)
    {
        var span = value.AsSpan();
        while (true)
        {
            var comma = span.IndexOf(',');
            var item = (comma < 0 ? span : span[..comma]).Trim(" \t");
            if (!TryParseDecimal(item, out var parsed))
            {
                error = HttpParseError.BadRequest("invalid Content-Length");
                return false;
            }
            if (contentLength >= 0 && contentLength != parsed)
            {
                error = HttpParseError.BadRequest("conflicting Content-Length values (request smuggling guard)");
                return false;
            }
            contentLength = parsed;
            if (comma < 0) break;
            span = span[(comma + 1)..];
        }
        error = default;
        return true;
    }

    /// <summary>
    /// Only "chunked", once and last, is accepted; other codings are not implemented (501).
    /// </summary>
    public static bool TryParseTransferEncoding(string value, out HttpParseError error)
    {
        var span = value.AsSpan();
        var chunkedSeen = false;
        while (true)
        {
            var comma = span.IndexOf(',');
            var item = (comma < 0 ? span : span[..comma]).Trim(" \t");
            if (item.IsEmpty)
            {
                error = HttpParseError.BadRequest("empty element in Transfer-Encoding");
                return false;
            }
            if (item.Equals("chunked", StringComparison.OrdinalIgnoreCase))
            {
                if (chunkedSeen)
                {
                    error = HttpParseError.BadRequest("chunked applied more than once");
                    return false;
                }
                chunkedSeen = true;
            }
            else
            {
                if (chunkedSeen)
                {
                    error = HttpParseError.BadRequest("chunked is not the final transfer coding");
                    return false;
                }
                error = new HttpParseError(501, "unsupported transfer coding");
                return false;
            }
            if (comma < 0) break;
            span = span[(comma + 1)..];
        }
        error = default;
        return true;
    }

    private static bool TryParseDecimal(ReadOnlySpan<char> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 18) return false;
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    private static bool TryGetSchemeLength(string target, out int length)
    {
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) { length = 7; return true; }
        if (target.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) { length = 8; return true; }
        length = 0;
        return false;
    }

    private static void SplitPathQuery(string pathAndQuery, out string path, out string query)
    {
        var q = pathAndQuery.IndexOf('?');
        if (q < 0)
        {
            path = pathAndQuery;
            query = string.Empty;
            return;
        }
        path = pathAndQuery[..q];
        query = pathAndQuery[(q + 1)..];
    }

    private static string MethodString(ReadOnlySpan<byte> method)
    {
        for (var i = 0; i < KnownMethodBytes.Length; i++)
            if (method.SequenceEqual(KnownMethodBytes[i]))
                return KnownMethods[i];
        return Encoding.ASCII.GetString(method);
    }
}
