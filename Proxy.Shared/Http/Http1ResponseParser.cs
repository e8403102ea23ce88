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
        var contentLengthFields = 0;
        var contentLengthList = false;
        string? transferEncoding = null;
        string? connection = null;
        for (var i = 0; i < headers.Count; i++)
        {
            var (name, value) = headers[i];
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                contentLengthFields++;
                contentLengthList |= value.Contains(',');
                if (!Http1RequestParser.TryMergeContentLength(value, ref contentLength, out _))
                {
                    error = HttpParseError.BadRequest(EveryItemIsALength(value)
                        ? "two different Content-Length values"
                        : $"invalid Content-Length '{Excerpt(value)}'");
                    return ParseStatus.Invalid;
                }
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                transferEncoding = transferEncoding is null ? value : transferEncoding + ", " + value;
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                connection = connection is null ? value : connection + ", " + value;
        }
        if (contentLengthFields > 1 || contentLengthList)
        {
            // RFC 9110 §8.6: identical repeated values may be taken as one; the client gets one valid field.
            headers.Remove("Content-Length");
            headers.Add("Content-Length", contentLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
            if (version == 10)
            {
                // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
                error = HttpParseError.BadRequest("HTTP/1.0 response with Transfer-Encoding");
                return ParseStatus.Invalid;
            }
            if (!IsChunkedOnly(transferEncoding))
            {
                // A coding we do not decode may not be dropped (RFC 9112 §6.1), and relaying it unlabelled would
                // hand the client bytes it cannot read: the response is refused, as nginx does.
                error = HttpParseError.BadRequest($"unsupported Transfer-Encoding '{Excerpt(transferEncoding)}' (only chunked)");
                return ParseStatus.Invalid;
            }
            framing = BodyFraming.Chunked;
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

    private static bool EveryItemIsALength(string value)
    {
        foreach (var range in value.AsSpan().Split(','))
        {
            var alone = -1L;
            if (!Http1RequestParser.TryMergeContentLength(value[range], ref alone, out _)) return false;
        }
        return true;
    }

    /// <summary>A backend's value as quoted in a reason (logs): at most 64 characters.</summary>
    private static string Excerpt(string value) => value.Length <= 64 ? value : value[..64] + "...";

    private static bool IsChunkedOnly(string te) =>
        te.AsSpan().Trim(" \t").Equals("chunked", StringComparison.OrdinalIgnoreCase);
}
