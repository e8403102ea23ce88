using System.Text;

namespace Proxy.Shared.Http;

/// <summary>
/// Parser for response heads read from upstream servers. The same field rules as requests apply; a violation
/// makes the response malformed (the proxy answers 502 and drops the upstream connection).
/// </summary>
public static class Http1ResponseParser
{
    public static ParseStatus TryParse(ReadOnlySpan<byte> buffer, bool requestWasHead, int maxHeadBytes,
        int maxHeaders, out HttpResponseHead? head, out int consumed, out HttpParseError error)
    {
        head = null;
        consumed = 0;
        var lineEnd = buffer.IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            error = default;
            if (buffer.Length >= maxHeadBytes)
            {
                error = HttpParseError.BadRequest("response head too large");
                return ParseStatus.Invalid;
            }
            return ParseStatus.Incomplete;
        }
        if (lineEnd == 0 || buffer[lineEnd - 1] != '\r')
        {
            error = HttpParseError.BadRequest("status line must end with CRLF");
            return ParseStatus.Invalid;
        }
        var line = buffer[..(lineEnd - 1)];
        // status-line = HTTP-version SP status-code SP [ reason-phrase ]
        if (line.Length < 12 || line[8] != ' ' || line[12..].Length > 0 && line[12] != ' ' ||
            !HttpRequestParserVersion(line[..8], out var version))
        {
            error = HttpParseError.BadRequest("malformed status line");
            return ParseStatus.Invalid;
        }
        var code = line.Slice(9, 3);
        if (!char.IsAsciiDigit((char)code[0]) || !char.IsAsciiDigit((char)code[1]) || !char.IsAsciiDigit((char)code[2]) ||
            code[0] < '1' || code[0] > '5')
        {
            error = HttpParseError.BadRequest("malformed status code");
            return ParseStatus.Invalid;
        }
        var status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
        var reasonSpan = line.Length > 13 ? line[13..] : ReadOnlySpan<byte>.Empty;
        foreach (var b in reasonSpan)
        {
            if (HttpSyntax.IsFieldValueChar(b)) continue;
            error = HttpParseError.BadRequest("invalid character in reason phrase");
            return ParseStatus.Invalid;
        }

        var headers = new HttpHeaderList();
        var sectionStatus = HttpFieldParser.ParseSection(buffer, lineEnd + 1, headers, maxHeaders, out var end, out error);
        if (sectionStatus == ParseStatus.Incomplete)
        {
            if (buffer.Length >= maxHeadBytes)
            {
                error = HttpParseError.BadRequest("response head too large");
                return ParseStatus.Invalid;
            }
            return ParseStatus.Incomplete;
        }
        if (sectionStatus == ParseStatus.Invalid) return ParseStatus.Invalid;

        long contentLength = -1;
        string? transferEncoding = null;
        string? connection = null;
        for (var i = 0; i < headers.Count; i++)
        {
            var (name, value) = headers[i];
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!Http1RequestParser.TryMergeContentLength(value, ref contentLength, out error)) return ParseStatus.Invalid;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                transferEncoding = transferEncoding is null ? value : transferEncoding + ", " + value;
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                connection = connection is null ? value : connection + ", " + value;
        }

        var keepAlive = version == 11
            ? !HttpSyntax.ListContains(connection, "close")
            : HttpSyntax.ListContains(connection, "keep-alive");
        BodyFraming framing;
        if (requestWasHead || status is < 200 or 204 or 304)
            framing = BodyFraming.None;
        else if (transferEncoding is not null)
        {
            if (contentLength >= 0)
            {
                // RFC 9112 §6.1 lets TE override CL, but a server sending both is either broken or an attack.
                error = HttpParseError.BadRequest("response has both Content-Length and Transfer-Encoding");
                return ParseStatus.Invalid;
            }
            if (IsChunkedFinal(transferEncoding))
                framing = BodyFraming.Chunked;
            else
            {
                framing = BodyFraming.UntilClose;
                keepAlive = false;
            }
        }
        else if (contentLength >= 0)
            framing = contentLength == 0 ? BodyFraming.None : BodyFraming.ContentLength;
        else
        {
            framing = BodyFraming.UntilClose;
            keepAlive = false;
        }

        head = new HttpResponseHead
        {
            Status = status,
            Reason = reasonSpan.IsEmpty ? string.Empty : Encoding.Latin1.GetString(reasonSpan),
            Version = version,
            Headers = headers,
            Framing = framing,
            ContentLength = contentLength,
            KeepAlive = keepAlive,
        };
        consumed = end;
        error = default;
        return ParseStatus.Complete;
    }

    private static bool HttpRequestParserVersion(ReadOnlySpan<byte> v, out int version) =>
        Http1RequestParser.TryParseVersion(v, out version, out _);

    private static bool IsChunkedFinal(string te)
    {
        var span = te.AsSpan().TrimEnd(" \t");
        var comma = span.LastIndexOf(',');
        var last = (comma < 0 ? span : span[(comma + 1)..]).Trim(" \t");
        return last.Equals("chunked", StringComparison.OrdinalIgnoreCase);
    }
}
