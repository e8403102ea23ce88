using Proxy.Shared.Http;
using Xunit;
using static Proxy.Tests.Http.HttpText;

namespace Proxy.Tests.Http;

/// <summary>
/// D2/D3: response heads from upstream servers follow the same field rules as requests; the framing decides how
/// the body is read (RFC 9112 §6.3). A malformed head is Invalid (the proxy answers 502).
/// </summary>
public class Http1ResponseParserSpec
{
    private const int MaxHead = 64 * 1024;
    private const int MaxHeaders = 100;

    private static HttpResponseHead Valid(string raw, bool requestWasHead = false)
    {
        var bytes = Bytes(raw);
        var status = Http1ResponseParser.TryParse(bytes, requestWasHead, MaxHead, MaxHeaders, out var head,
            out var consumed, out var error);
        Assert.True(status == ParseStatus.Complete, $"expected Complete, got {status} ({error.Reason})");
        Assert.NotNull(head);
        Assert.Equal(bytes.Length, consumed);
        return head;
    }

    private static HttpParseError Invalid(string raw, bool requestWasHead = false, int maxHead = MaxHead,
        int maxHeaders = MaxHeaders)
    {
        var status = Http1ResponseParser.TryParse(Bytes(raw), requestWasHead, maxHead, maxHeaders, out var head,
            out _, out var error);
        Assert.True(status == ParseStatus.Invalid, $"expected Invalid, got {status}");
        Assert.Null(head);
        return error;
    }

    // ---------------------------------------------------------------- status line

    [Theory]
    [InlineData("HTTP/1.1 200 OK", 11, 200, "OK")]
    [InlineData("HTTP/1.1 204 ", 11, 204, "")]
    [InlineData("HTTP/1.1 200", 11, 200, "")]
    [InlineData("HTTP/1.0 404 Not Found", 10, 404, "Not Found")]
    [InlineData("HTTP/1.1 500 Internal  Server\tError ", 11, 500, "Internal  Server\tError ")]
    [InlineData("HTTP/1.1 299 Whatever", 11, 299, "Whatever")]
    [InlineData("HTTP/1.1 599 x", 11, 599, "x")]
    [InlineData("HTTP/1.1 100 Continue", 11, 100, "Continue")]
    [InlineData("HTTP/1.1 200 D\u00e9j\u00e0 vu \u00ff", 11, 200, "D\u00e9j\u00e0 vu \u00ff")]
    public void A_status_line_gives_version_code_and_reason(string line, int version, int status, string reason)
    {
        var head = Valid(line + "\r\nContent-Length: 0\r\n\r\n");

        Assert.Equal(version, head.Version);
        Assert.Equal(status, head.Status);
        Assert.Equal(reason, head.Reason);
    }

    public static TheoryData<string, string> InvalidResponses => new()
    {
        { "two-digit code", "HTTP/1.1 20 OK\r\n\r\n" },
        { "four-digit code", "HTTP/1.1 2000 OK\r\n\r\n" },
        { "non-numeric code", "HTTP/1.1 abc OK\r\n\r\n" },
        { "code below 100", "HTTP/1.1 099 Low\r\n\r\n" },
        { "code above 599", "HTTP/1.1 600 High\r\n\r\n" },
        { "two spaces before the code", "HTTP/1.1  200 OK\r\n\r\n" },
        { "tab before the code", "HTTP/1.1\t200 OK\r\n\r\n" },
        { "version only", "HTTP/1.1\r\n\r\n" },
        { "HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n" },
        { "HTTP/1.2", "HTTP/1.2 200 OK\r\n\r\n" },
        { "lower-case version", "http/1.1 200 OK\r\n\r\n" },
        { "not HTTP at all", "SSH-2.0-OpenSSH_9.6\r\n\r\n" },
        { "control char in the reason", "HTTP/1.1 200 O\u0001K\r\n\r\n" },
        { "NUL in the reason", "HTTP/1.1 200 O\0K\r\n\r\n" },
        { "bare CR in the reason", "HTTP/1.1 200 O\rK\r\n\r\n" },
        { "bare LF ending the status line", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n" },
        { "bare LF ending a field line", "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n" },
        { "bare LF ending the head", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n" },
        { "obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n" },
        { "space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n" },
        { "invalid field name", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n" },
        { "CTL in a field value", "HTTP/1.1 200 OK\r\nX: a\u0001b\r\n\r\n" },
        { "CL and TE together", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" },
        { "differing CL", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n" },
        { "differing CL in a list", "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n" },
        { "non-numeric CL", "HTTP/1.1 200 OK\r\nContent-Length: five\r\n\r\n" },
        { "negative CL", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n" },
        { "overflowing CL", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n" },
        { "a coding before chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" },
        { "a coding before chunked on its own line", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" },
        { "chunked not last", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n" },
        { "a coding without chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n" },
        { "chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n" },
        { "HTTP/1.0 with Transfer-Encoding", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" },
    };

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "two different Content-Length values")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", "two different Content-Length values")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: five\r\n\r\n", "invalid Content-Length 'five'")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "unsupported Transfer-Encoding 'gzip, chunked' (only chunked)")]
    [InlineData("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "HTTP/1.0 response with Transfer-Encoding")]
    [InlineData("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", "obsolete line folding (obs-fold) is not allowed")]
    public void The_reason_says_what_was_malformed(string raw, string reason)
    {
        Assert.Equal(reason, Invalid(raw).Reason);
    }

    [Fact]
    public void A_long_value_is_quoted_in_the_reason_only_in_part()
    {
        var reason = Invalid($"HTTP/1.1 200 OK\r\nTransfer-Encoding: {new string('x', 5000)}\r\n\r\n").Reason;

        Assert.Equal($"unsupported Transfer-Encoding '{new string('x', 64)}...' (only chunked)", reason);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5,5\r\nContent-Length: 5\r\n\r\n")]
    public void Repeated_identical_Content_Length_values_become_one_field(string raw)
    {
        var head = Valid(raw);

        Assert.Equal(5, head.ContentLength);
        var fields = new List<string>();
        foreach (var (name, value) in head.Headers)
            if (name == "Content-Length") fields.Add(value);
        Assert.Equal(["5"], fields);
    }

    [Theory]
    [MemberData(nameof(InvalidResponses))]
    public void A_malformed_response_head_is_rejected(string because, string raw)
    {
        var error = Invalid(raw);

        Assert.False(string.IsNullOrEmpty(error.Reason), $"{because}: the error has no reason");
    }

    [Fact]
    public void A_status_line_longer_than_the_head_limit_is_rejected_before_it_ends()
    {
        Invalid("HTTP/1.1 200 " + new string('x', 100), maxHead: 64);
    }

    [Fact]
    public void A_header_section_longer_than_the_head_limit_is_rejected_before_it_ends()
    {
        Invalid("HTTP/1.1 200 OK\r\nX: " + new string('x', 100), maxHead: 64);
    }

    [Fact]
    public void More_fields_than_allowed_are_rejected()
    {
        Invalid("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", maxHeaders: 2);
    }

    // ---------------------------------------------------------------- framing

    [Theory]
    // No body whatever the headers say (RFC 9112 §6.3 rules 1 and 2).
    [InlineData(true, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", BodyFraming.None)]
    [InlineData(true, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", BodyFraming.None)]
    [InlineData(true, "HTTP/1.1 200 OK\r\n\r\n", BodyFraming.None)]
    [InlineData(false, "HTTP/1.1 204 No Content\r\n\r\n", BodyFraming.None)]
    [InlineData(false, "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", BodyFraming.None)]
    [InlineData(false, "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", BodyFraming.None)]
    [InlineData(false, "HTTP/1.1 304 Not Modified\r\n\r\n", BodyFraming.None)]
    [InlineData(false, "HTTP/1.1 100 Continue\r\n\r\n", BodyFraming.None)]
    [InlineData(false, "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n", BodyFraming.None)]
    [InlineData(false, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n", BodyFraming.None)]
    // Content-Length.
    [InlineData(false, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", BodyFraming.ContentLength)]
    [InlineData(false, "HTTP/1.1 200 OK\r\nContent-Length: 10, 10\r\n\r\n", BodyFraming.ContentLength)]
    [InlineData(false, "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\n", BodyFraming.ContentLength)]
    [InlineData(false, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", BodyFraming.None)]
    // Transfer-Encoding.
    [InlineData(false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", BodyFraming.Chunked)]
    [InlineData(false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n", BodyFraming.Chunked)]
    [InlineData(false, "HTTP/1.1 200 OK\r\nTransfer-Encoding:  chunked \r\n\r\n", BodyFraming.Chunked)]
    // Neither: read until the connection closes.
    [InlineData(false, "HTTP/1.1 200 OK\r\n\r\n", BodyFraming.UntilClose)]
    [InlineData(false, "HTTP/1.0 200 OK\r\n\r\n", BodyFraming.UntilClose)]
    public void The_framing_follows_the_request_method_the_status_and_the_headers(bool requestWasHead, string raw,
        BodyFraming framing)
    {
        Assert.Equal(framing, Valid(raw, requestWasHead).Framing);
    }

    [Fact]
    public void Content_Length_is_reported_with_its_framing()
    {
        var head = Valid("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");

        Assert.Equal(BodyFraming.ContentLength, head.Framing);
        Assert.Equal(1234, head.ContentLength);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: Keep-Alive, Close\r\n\r\n", false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", false)]
    public void KeepAlive_follows_the_version_the_Connection_header_and_the_framing(string raw, bool keepAlive)
    {
        Assert.Equal(keepAlive, Valid(raw).KeepAlive);
    }

    [Theory]
    [InlineData(100, true)]
    [InlineData(102, true)]
    [InlineData(103, true)]
    [InlineData(101, false)]
    [InlineData(200, false)]
    [InlineData(204, false)]
    public void Informational_responses_other_than_101_are_interim(int status, bool interim)
    {
        Assert.Equal(interim, Valid($"HTTP/1.1 {status} X\r\n\r\n").IsInterim);
    }

    [Fact]
    public void An_interim_100_is_consumed_alone_and_the_final_response_follows()
    {
        var bytes = Bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");

        Assert.Equal(ParseStatus.Complete, Http1ResponseParser.TryParse(bytes, false, MaxHead, MaxHeaders,
            out var interim, out var consumed, out _));
        Assert.True(interim!.IsInterim);
        Assert.Equal(100, interim.Status);
        Assert.Equal(BodyFraming.None, interim.Framing);
        Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n".Length, consumed);

        Assert.Equal(ParseStatus.Complete, Http1ResponseParser.TryParse(bytes.AsSpan(consumed), false, MaxHead,
            MaxHeaders, out var final, out var finalConsumed, out _));
        Assert.False(final!.IsInterim);
        Assert.Equal(200, final.Status);
        Assert.Equal(BodyFraming.ContentLength, final.Framing);
        Assert.Equal("hi", Text(bytes.AsSpan(consumed + finalConsumed)));
    }

    [Fact]
    public void Header_fields_keep_their_order_case_and_obs_text()
    {
        var head = Valid("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Latin: \u00e9\u00ff\r\nContent-Length: 0\r\n\r\n");

        Assert.Equal(("Set-Cookie", "a=1"), (head.Headers[0].Key, head.Headers[0].Value));
        Assert.Equal(("set-cookie", "b=2"), (head.Headers[1].Key, head.Headers[1].Value));
        Assert.Equal("\u00e9\u00ff", head.Headers.Get("X-Latin"));
    }

    public static TheoryData<string> ValidResponses => new()
    {
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 204 \r\n\r\n",
        "HTTP/1.1 200\r\nTransfer-Encoding: chunked\r\nX-Empty:\r\n\r\n",
        "HTTP/1.0 404 Not Found\r\nX-Latin: \u00e9\r\n\r\n",
    };

    [Theory]
    [MemberData(nameof(ValidResponses))]
    public void Every_proper_prefix_of_a_valid_response_head_is_incomplete(string raw)
    {
        var bytes = Bytes(raw);
        for (var length = 0; length < bytes.Length; length++)
        {
            var status = Http1ResponseParser.TryParse(bytes.AsSpan(0, length), false, MaxHead, MaxHeaders, out var head,
                out _, out var error);
            Assert.True(status == ParseStatus.Incomplete, $"prefix of {length}: {status} ({error.Reason})");
            Assert.Null(head);
        }
        Valid(raw);
    }
}
