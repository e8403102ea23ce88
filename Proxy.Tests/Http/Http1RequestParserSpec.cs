using Proxy.Shared.Http;
using Xunit;
using static Proxy.Tests.Http.HttpText;

namespace Proxy.Tests.Http;

/// <summary>
/// D2: strict HTTP/1.1 request parsing (RFC 9110 / RFC 9112). Valid messages first, then a table of invalid
/// messages with the status the client must get, then the size limits.
/// </summary>
public class Http1RequestParserSpec
{
    private const string Host = "Host: a.test\r\n";

    private static HttpRequestHead Valid(string raw, HttpLimits? limits = null)
    {
        var bytes = Bytes(raw);
        var status = Http1RequestParser.TryParse(bytes, limits ?? HttpLimits.Default, out var head, out var consumed,
            out var error);
        Assert.True(status == ParseStatus.Complete, $"expected Complete, got {status} ({error.Status} {error.Reason})");
        Assert.NotNull(head);
        Assert.Equal(bytes.Length, consumed);
        return head;
    }

    private static HttpParseError Invalid(string raw, HttpLimits? limits = null)
    {
        var status = Http1RequestParser.TryParse(Bytes(raw), limits ?? HttpLimits.Default, out var head,
            out var consumed, out var error);
        Assert.True(status == ParseStatus.Invalid, $"expected Invalid, got {status}");
        Assert.Null(head);
        Assert.Equal(0, consumed);
        return error;
    }

    // ---------------------------------------------------------------- valid messages

    [Fact]
    public void A_simple_GET_is_parsed_into_method_target_version_and_host()
    {
        var head = Valid("GET /index.html HTTP/1.1\r\nHost: a.test\r\nAccept: */*\r\n\r\n");

        Assert.Equal("GET", head.Method);
        Assert.Equal("/index.html", head.Target);
        Assert.Equal("/index.html", head.Path);
        Assert.Equal("", head.Query);
        Assert.Equal(11, head.Version);
        Assert.Equal("a.test", head.Host);
        Assert.Equal("a.test", head.Authority);
        Assert.Equal(-1, head.ContentLength);
        Assert.False(head.Chunked);
        Assert.False(head.HasBody);
        Assert.True(head.KeepAlive);
        Assert.False(head.ExpectContinue);
        Assert.False(head.IsUpgrade);
        Assert.Equal(2, head.Headers.Count);
        Assert.Equal("*/*", head.Headers.Get("accept"));
    }

    [Theory]
    [InlineData("/", "/", "")]
    [InlineData("/p?q", "/p", "q")]
    [InlineData("/p?", "/p", "")]
    [InlineData("/a%20b/c;x=1?y=%2F&z=a+b&z=%zz", "/a%20b/c;x=1", "y=%2F&z=a+b&z=%zz")]
    [InlineData("/p?a?b=/c", "/p", "a?b=/c")]
    [InlineData("//double//slash/./../x", "//double//slash/./../x", "")]
    [InlineData("/UPPER/Case?Key=Value", "/UPPER/Case", "Key=Value")]
    public void An_origin_form_target_keeps_path_and_query_byte_for_byte(string target, string path, string query)
    {
        var head = Valid($"GET {target} HTTP/1.1\r\n{Host}\r\n");

        Assert.Equal(target, head.Target);
        Assert.Equal(path, head.Path);
        Assert.Equal(query, head.Query);
    }

    [Theory]
    [InlineData("http://a.test:81/p?q", "a.test:81", "a.test", "/p", "q")]
    [InlineData("http://a.test", "a.test", "a.test", "/", "")]
    [InlineData("http://a.test?x=1", "a.test", "a.test", "/", "x=1")]
    [InlineData("HTTP://Mixed.Case.Test:8080/P", "Mixed.Case.Test:8080", "mixed.case.test", "/P", "")]
    [InlineData("https://[::1]:8443/x/y?z", "[::1]:8443", "[::1]", "/x/y", "z")]
    [InlineData("http://10.0.0.1/", "10.0.0.1", "10.0.0.1", "/", "")]
    public void An_absolute_form_target_sets_authority_host_path_and_query(string target, string authority,
        string host, string path, string query)
    {
        // RFC 9112 §3.2.2: the authority of an absolute-form target wins over the Host header.
        var head = Valid($"GET {target} HTTP/1.1\r\nHost: other.test\r\n\r\n");

        Assert.Equal(target, head.Target);
        Assert.Equal(authority, head.Authority);
        Assert.Equal(host, head.Host);
        Assert.Equal(path, head.Path);
        Assert.Equal(query, head.Query);
    }

    [Fact]
    public void An_absolute_form_target_may_come_with_an_empty_Host_header()
    {
        var head = Valid("GET http://a.test/p HTTP/1.1\r\nHost:\r\n\r\n");

        Assert.Equal("a.test", head.Host);
    }

    [Fact]
    public void An_asterisk_form_OPTIONS_request_is_accepted()
    {
        var head = Valid($"OPTIONS * HTTP/1.1\r\n{Host}\r\n");

        Assert.Equal("OPTIONS", head.Method);
        Assert.Equal("*", head.Target);
        Assert.Equal("*", head.Path);
        Assert.Equal("", head.Query);
        Assert.Equal("a.test", head.Host);
    }

    [Theory]
    [InlineData("a.test:443", "a.test")]
    [InlineData("10.1.2.3:8080", "10.1.2.3")]
    [InlineData("[2001:db8::1]:443", "[2001:db8::1]")]
    public void A_CONNECT_request_in_authority_form_names_the_tunnel_target(string target, string host)
    {
        var head = Valid($"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n");

        Assert.Equal("CONNECT", head.Method);
        Assert.Equal(target, head.Target);
        Assert.Equal(target, head.Authority);
        Assert.Equal(host, head.Host);
        Assert.Equal("", head.Path);
        Assert.Equal("", head.Query);
    }

    [Fact]
    public void An_HTTP_1_0_request_without_Host_is_accepted()
    {
        var head = Valid("GET /old HTTP/1.0\r\n\r\n");

        Assert.Equal(10, head.Version);
        Assert.Equal("", head.Host);
        Assert.Equal("", head.Authority);
        Assert.False(head.KeepAlive);
    }

    [Fact]
    public void A_request_without_header_fields_in_HTTP_1_0_has_an_empty_header_list()
    {
        Assert.Equal(0, Valid("HEAD / HTTP/1.0\r\n\r\n").Headers.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Empty_lines_before_the_request_line_are_ignored_and_consumed(int emptyLines)
    {
        var prefix = string.Concat(Enumerable.Repeat("\r\n", emptyLines));
        var head = Valid($"{prefix}GET / HTTP/1.1\r\n{Host}\r\n");

        Assert.Equal("GET", head.Method);
    }

    [Theory]
    [InlineData("Content-Length: 5\r\n")]
    [InlineData("Content-Length: 5, 5\r\n")]
    [InlineData("Content-Length: 5,5\r\n")]
    [InlineData("Content-Length: 5\r\nContent-Length: 5\r\n")]
    [InlineData("Content-Length: 5\r\ncontent-length: 5, 5\r\n")]
    [InlineData("Content-Length:   5 \t\r\n")]
    public void Content_Length_repeated_with_one_identical_value_is_accepted(string fields)
    {
        var head = Valid($"POST /upload HTTP/1.1\r\n{Host}{fields}\r\n");

        Assert.Equal(5, head.ContentLength);
        Assert.False(head.Chunked);
        Assert.True(head.HasBody);
    }

    [Fact]
    public void Content_Length_zero_means_no_body()
    {
        var head = Valid($"POST / HTTP/1.1\r\n{Host}Content-Length: 0\r\n\r\n");

        Assert.Equal(0, head.ContentLength);
        Assert.False(head.HasBody);
    }

    [Theory]
    [InlineData("Transfer-Encoding: chunked\r\n")]
    [InlineData("Transfer-Encoding: Chunked\r\n")]
    [InlineData("transfer-encoding:chunked \r\n")]
    public void A_chunked_request_is_framed_as_chunked(string fields)
    {
        var head = Valid($"POST /upload HTTP/1.1\r\n{Host}{fields}\r\n");

        Assert.True(head.Chunked);
        Assert.Equal(-1, head.ContentLength);
        Assert.True(head.HasBody);
    }

    [Fact]
    public void Header_values_with_obs_text_bytes_are_kept_as_Latin1()
    {
        const string value = "caf\u00e9 \u0080\u00a0\u00ff end";
        var head = Valid($"GET / HTTP/1.1\r\n{Host}X-Name: {value}\r\n\r\n");

        Assert.Equal(value, head.Headers.Get("X-Name"));
        Assert.Equal(Bytes(value), System.Text.Encoding.Latin1.GetBytes(head.Headers.Get("X-Name")!));
    }

    [Theory]
    [InlineData("X: v", "v")]
    [InlineData("X:v", "v")]
    [InlineData("X: \t v \t ", "v")]
    [InlineData("X:  a  b\tc  ", "a  b\tc")]
    [InlineData("X:", "")]
    [InlineData("X: \t ", "")]
    public void Optional_whitespace_around_a_field_value_is_trimmed_but_inner_whitespace_is_kept(string field,
        string value)
    {
        var head = Valid($"GET / HTTP/1.1\r\n{Host}{field}\r\n\r\n");

        Assert.Equal(value, head.Headers.Get("X"));
    }

    [Fact]
    public void Field_names_keep_their_case_and_repeated_fields_stay_separate_and_in_order()
    {
        var head = Valid($"GET / HTTP/1.1\r\n{Host}x-custom-NAME: 1\r\nAccept: a\r\naccept: b\r\n\r\n");

        Assert.Equal("x-custom-NAME", head.Headers[1].Key);
        Assert.Equal(("Accept", "a"), (head.Headers[2].Key, head.Headers[2].Value));
        Assert.Equal(("accept", "b"), (head.Headers[3].Key, head.Headers[3].Value));
    }

    [Theory]
    [InlineData("HTTP/1.1", null, true)]
    [InlineData("HTTP/1.1", "close", false)]
    [InlineData("HTTP/1.1", "Close", false)]
    [InlineData("HTTP/1.1", "keep-alive, close", false)]
    [InlineData("HTTP/1.1", "keep-alive", true)]
    [InlineData("HTTP/1.1", "closed", true)]
    [InlineData("HTTP/1.0", null, false)]
    [InlineData("HTTP/1.0", "keep-alive", true)]
    [InlineData("HTTP/1.0", "Keep-Alive", true)]
    [InlineData("HTTP/1.0", "close", false)]
    [InlineData("HTTP/1.0", "x-foo , keep-alive", true)]
    public void KeepAlive_follows_the_version_default_and_the_Connection_header(string version, string? connection,
        bool keepAlive)
    {
        var field = connection is null ? "" : $"Connection: {connection}\r\n";
        var head = Valid($"GET / {version}\r\n{Host}{field}\r\n");

        Assert.Equal(keepAlive, head.KeepAlive);
    }

    [Fact]
    public void KeepAlive_considers_every_Connection_field()
    {
        var head = Valid($"GET / HTTP/1.1\r\n{Host}Connection: x-a\r\nConnection: close\r\n\r\n");

        Assert.False(head.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/1.1", "100-continue", true)]
    [InlineData("HTTP/1.1", "100-Continue", true)]
    [InlineData("HTTP/1.1", null, false)]
    [InlineData("HTTP/1.1", "something-else", false)]
    // RFC 9110 §10.1.1: a server MUST ignore a 100-continue expectation in an HTTP/1.0 request.
    [InlineData("HTTP/1.0", "100-continue", false)]
    public void Expect_100_continue_is_detected_in_HTTP_1_1_requests(string version, string? expect, bool expected)
    {
        var field = expect is null ? "" : $"Expect: {expect}\r\n";
        var head = Valid($"POST / {version}\r\n{Host}Content-Length: 3\r\n{field}\r\n");

        Assert.Equal(expected, head.ExpectContinue);
    }

    [Theory]
    [InlineData("Connection: Upgrade\r\nUpgrade: websocket\r\n", true)]
    [InlineData("Connection: keep-alive, upgrade\r\nUpgrade: websocket\r\n", true)]
    [InlineData("Upgrade: websocket\r\n", false)]
    [InlineData("Connection: upgrade\r\n", false)]
    public void An_upgrade_needs_both_the_Upgrade_header_and_the_upgrade_connection_option(string fields,
        bool upgrade)
    {
        Assert.Equal(upgrade, Valid($"GET /ws HTTP/1.1\r\n{Host}{fields}\r\n").IsUpgrade);
    }

    [Theory]
    [InlineData("get")]
    [InlineData("PROPFIND")]
    [InlineData("X-CUSTOM_1")]
    public void Any_token_is_accepted_as_a_method(string method)
    {
        Assert.Equal(method, Valid($"{method} / HTTP/1.1\r\n{Host}\r\n").Method);
    }

    [Theory]
    [InlineData("a.test")]
    [InlineData("a.test:8080")]
    [InlineData("A.Test")]
    [InlineData("127.0.0.1:80")]
    [InlineData("[::1]")]
    [InlineData("[::1]:8080")]
    [InlineData("xn--bcher-kva.example")]
    public void A_valid_Host_header_is_accepted(string host)
    {
        var head = Valid($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");

        Assert.Equal(host, head.Authority);
        Assert.Equal(HostSyntax.HostWithoutPort(host), head.Host);
    }

    public static TheoryData<string> ValidRequests => new()
    {
        "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n",
        "\r\n\r\nGET /p?q=1 HTTP/1.1\r\nHost: a.test\r\nX-Empty:\r\nX-Latin: \u00e9\u00ff\r\n\r\n",
        "POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5, 5\r\nExpect: 100-continue\r\n\r\n",
        "POST /upload HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET http://a.test:81/p?q HTTP/1.1\r\nHost: a.test:81\r\n\r\n",
        "CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: a.test\r\n\r\n",
        "GET / HTTP/1.0\r\n\r\n",
    };

    [Theory]
    [MemberData(nameof(ValidRequests))]
    public void Every_proper_prefix_of_a_valid_request_is_incomplete(string raw)
    {
        var bytes = Bytes(raw);
        for (var length = 0; length < bytes.Length; length++)
        {
            var status = Http1RequestParser.TryParse(bytes.AsSpan(0, length), HttpLimits.Default, out var head,
                out var consumed, out var error);
            Assert.True(status == ParseStatus.Incomplete,
                $"prefix of {length} bytes: expected Incomplete, got {status} ({error.Reason})");
            Assert.Null(head);
            Assert.Equal(0, consumed);
        }
        Valid(raw);
    }

    [Theory]
    [MemberData(nameof(ValidRequests))]
    public void Only_the_head_is_consumed_when_a_body_or_the_next_request_follows(string raw)
    {
        var bytes = Bytes(raw + "hello" + "GET /next HTTP/1.1\r\n");

        var status = Http1RequestParser.TryParse(bytes, HttpLimits.Default, out _, out var consumed, out _);

        Assert.Equal(ParseStatus.Complete, status);
        Assert.Equal(Bytes(raw).Length, consumed);
    }

    // ---------------------------------------------------------------- invalid messages

    public static TheoryData<string, string, int> InvalidRequests => new()
    {
        // Message framing (RFC 9112 §6): request smuggling guards.
        { "CL and TE together", $"POST / HTTP/1.1\r\n{Host}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
        { "TE and CL together", $"POST / HTTP/1.1\r\n{Host}Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", 400 },
        { "differing CL in one list", $"POST / HTTP/1.1\r\n{Host}Content-Length: 5, 6\r\n\r\n", 400 },
        { "differing CL in two fields", $"POST / HTTP/1.1\r\n{Host}Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400 },
        { "non-numeric CL", $"POST / HTTP/1.1\r\n{Host}Content-Length: abc\r\n\r\n", 400 },
        { "negative CL", $"POST / HTTP/1.1\r\n{Host}Content-Length: -1\r\n\r\n", 400 },
        { "CL with a plus sign", $"POST / HTTP/1.1\r\n{Host}Content-Length: +5\r\n\r\n", 400 },
        { "hex CL", $"POST / HTTP/1.1\r\n{Host}Content-Length: 0x5\r\n\r\n", 400 },
        { "fractional CL", $"POST / HTTP/1.1\r\n{Host}Content-Length: 5.0\r\n\r\n", 400 },
        { "CL with inner space", $"POST / HTTP/1.1\r\n{Host}Content-Length: 5 5\r\n\r\n", 400 },
        { "empty CL", $"POST / HTTP/1.1\r\n{Host}Content-Length:\r\n\r\n", 400 },
        { "CL list with an empty element", $"POST / HTTP/1.1\r\n{Host}Content-Length: 5,,5\r\n\r\n", 400 },
        { "overflowing CL", $"POST / HTTP/1.1\r\n{Host}Content-Length: 99999999999999999999\r\n\r\n", 400 },
        { "CL just past long.MaxValue", $"POST / HTTP/1.1\r\n{Host}Content-Length: 9223372036854775808\r\n\r\n", 400 },
        { "TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
        { "TE not ending in chunked", $"POST / HTTP/1.1\r\n{Host}Transfer-Encoding: chunked, gzip\r\n\r\n", 400 },
        { "unknown TE", $"POST / HTTP/1.1\r\n{Host}Transfer-Encoding: gzip\r\n\r\n", 501 },
        { "unknown TE before chunked", $"POST / HTTP/1.1\r\n{Host}Transfer-Encoding: gzip, chunked\r\n\r\n", 501 },
        { "TE identity", $"POST / HTTP/1.1\r\n{Host}Transfer-Encoding: identity\r\n\r\n", 501 },
        { "chunked twice in one list", $"POST / HTTP/1.1\r\n{Host}Transfer-Encoding: chunked, chunked\r\n\r\n", 400 },
        { "chunked twice in two fields", $"POST / HTTP/1.1\r\n{Host}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
        { "empty TE", $"POST / HTTP/1.1\r\n{Host}Transfer-Encoding:\r\n\r\n", 400 },

        // Field syntax (RFC 9110 §5, RFC 9112 §5).
        { "space in a field name", $"GET / HTTP/1.1\r\n{Host}Bad Name: x\r\n\r\n", 400 },
        { "quote in a field name", $"GET / HTTP/1.1\r\n{Host}Bad\"Name: x\r\n\r\n", 400 },
        { "parenthesis in a field name", $"GET / HTTP/1.1\r\n{Host}(x): y\r\n\r\n", 400 },
        { "slash in a field name", $"GET / HTTP/1.1\r\n{Host}a/b: y\r\n\r\n", 400 },
        { "non-ASCII field name", $"GET / HTTP/1.1\r\n{Host}X\u00e9: y\r\n\r\n", 400 },
        { "NUL in a field name", $"GET / HTTP/1.1\r\n{Host}X\0: y\r\n\r\n", 400 },
        { "empty field name", $"GET / HTTP/1.1\r\n{Host}: value\r\n\r\n", 400 },
        { "field line without colon", $"GET / HTTP/1.1\r\n{Host}NoColon\r\n\r\n", 400 },
        { "space before colon", $"GET / HTTP/1.1\r\nHost : a.test\r\n\r\n", 400 },
        { "tab before colon", $"GET / HTTP/1.1\r\n{Host}X\t: y\r\n\r\n", 400 },
        { "NUL in a value", $"GET / HTTP/1.1\r\n{Host}X: a\0b\r\n\r\n", 400 },
        { "SOH in a value", $"GET / HTTP/1.1\r\n{Host}X: a\u0001b\r\n\r\n", 400 },
        { "ESC in a value", $"GET / HTTP/1.1\r\n{Host}X: a\u001bb\r\n\r\n", 400 },
        { "DEL in a value", $"GET / HTTP/1.1\r\n{Host}X: a\u007fb\r\n\r\n", 400 },
        { "vertical tab in a value", $"GET / HTTP/1.1\r\n{Host}X: a\u000bb\r\n\r\n", 400 },
        { "CTL at the end of a value", $"GET / HTTP/1.1\r\n{Host}X: ab\u0001\r\n\r\n", 400 },

        // Line endings (RFC 9112 §2.2): CRLF only.
        { "bare LF ending the request line", $"GET / HTTP/1.1\n{Host}\r\n", 400 },
        { "bare LF ending a field line", "GET / HTTP/1.1\r\nHost: a.test\n\r\n", 400 },
        { "bare LF ending the head", $"GET / HTTP/1.1\r\n{Host}\n", 400 },
        { "bare LF before the request line", $"\nGET / HTTP/1.1\r\n{Host}\r\n", 400 },
        { "bare LF after an empty line before the request line", $"\r\n\nGET / HTTP/1.1\r\n{Host}\r\n", 400 },
        { "bare LF only", "GET / HTTP/1.1\nHost: a.test\n\n", 400 },
        { "bare CR inside a field value", $"GET / HTTP/1.1\r\n{Host}X: a\rb\r\n\r\n", 400 },
        { "bare CR ending a field line", $"GET / HTTP/1.1\r\nHost: a.test\rX: b\r\n\r\n", 400 },
        { "CR CR LF ending a field line", $"GET / HTTP/1.1\r\nHost: a.test\r\r\n\r\n", 400 },
        { "bare CR before the final CRLF", $"GET / HTTP/1.1\r\n{Host}\r\r\n", 400 },
        { "bare CR ending the request line", $"GET / HTTP/1.1\r{Host}\r\n", 400 },
        { "bare CR in the request-target", $"GET /a\rb HTTP/1.1\r\n{Host}\r\n", 400 },
        { "bare CR in the method", $"G\rET / HTTP/1.1\r\n{Host}\r\n", 400 },
        { "obs-fold with a space", $"GET / HTTP/1.1\r\n{Host}X: a\r\n b\r\n\r\n", 400 },
        { "obs-fold with a tab", $"GET / HTTP/1.1\r\n{Host}X: a\r\n\tb\r\n\r\n", 400 },
        { "whitespace before the first field line", $"GET / HTTP/1.1\r\n {Host}\r\n", 400 },

        // Host (RFC 9112 §3.2, RFC 9110 §7.2).
        { "HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400 },
        { "HTTP/1.1 without Host but with other fields", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400 },
        { "absolute-form HTTP/1.1 without Host", "GET http://a.test/ HTTP/1.1\r\n\r\n", 400 },
        { "two Host headers", $"GET / HTTP/1.1\r\n{Host}Host: b.test\r\n\r\n", 400 },
        { "two identical Host headers", $"GET / HTTP/1.1\r\n{Host}{Host}\r\n", 400 },
        { "two Host headers in HTTP/1.0", $"GET / HTTP/1.0\r\n{Host}{Host}\r\n", 400 },
        { "Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400 },
        { "Host with a path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400 },
        { "Host with userinfo", "GET / HTTP/1.1\r\nHost: user@host\r\n\r\n", 400 },
        { "Host with a scheme", "GET / HTTP/1.1\r\nHost: http://a.test\r\n\r\n", 400 },
        { "Host with a list", "GET / HTTP/1.1\r\nHost: a.test, b.test\r\n\r\n", 400 },
        { "Host with a port out of range", "GET / HTTP/1.1\r\nHost: a.test:65536\r\n\r\n", 400 },
        { "Host with a non-numeric port", "GET / HTTP/1.1\r\nHost: a.test:http\r\n\r\n", 400 },
        { "Host with an unclosed IPv6 literal", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400 },
        { "Host with an empty IPv6 literal", "GET / HTTP/1.1\r\nHost: []\r\n\r\n", 400 },
        { "Host with junk after an IPv6 literal", "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", 400 },
        { "empty Host with origin-form", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 400 },
        { "invalid Host in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a b\r\n\r\n", 400 },
        { "invalid Host beside an absolute-form target", "GET http://a.test/ HTTP/1.1\r\nHost: a/b\r\n\r\n", 400 },

        // Version (RFC 9112 §2.3).
        { "HTTP/1.2", $"GET / HTTP/1.2\r\n{Host}\r\n", 505 },
        { "HTTP/2.0", $"GET / HTTP/2.0\r\n{Host}\r\n", 505 },
        { "HTTP/3.0", $"GET / HTTP/3.0\r\n{Host}\r\n", 505 },
        { "HTTP/0.9 spelled out", $"GET / HTTP/0.9\r\n{Host}\r\n", 505 },
        { "HTTP/1 without minor", $"GET / HTTP/1\r\n{Host}\r\n", 400 },
        { "lower-case http", $"GET / http/1.1\r\n{Host}\r\n", 400 },
        { "junk after the version", $"GET / HTTP/1.1x\r\n{Host}\r\n", 400 },
        { "two-digit minor", $"GET / HTTP/1.10\r\n{Host}\r\n", 400 },
        { "two-digit major", $"GET / HTTP/11.1\r\n{Host}\r\n", 400 },
        { "version without a dot", $"GET / HTTP/11\r\n{Host}\r\n", 400 },
        { "unknown protocol", $"GET / HTTPS/1.1\r\n{Host}\r\n", 400 },

        // Request line (RFC 9112 §3).
        { "two spaces after the method", $"GET  / HTTP/1.1\r\n{Host}\r\n", 400 },
        { "two spaces before the version", $"GET /  HTTP/1.1\r\n{Host}\r\n", 400 },
        { "space after the version", $"GET / HTTP/1.1 \r\n{Host}\r\n", 400 },
        { "space before the method", $" GET / HTTP/1.1\r\n{Host}\r\n", 400 },
        { "tab as separator", $"GET\t/ HTTP/1.1\r\n{Host}\r\n", 400 },
        { "HTTP/0.9 style request", "GET /\r\n\r\n", 400 },
        { "method only", "GET\r\n\r\n", 400 },
        { "empty request line", " \r\n\r\n", 400 },
        { "invalid character in the method", $"G(T / HTTP/1.1\r\n{Host}\r\n", 400 },
        { "non-ASCII method", $"G\u00c9T / HTTP/1.1\r\n{Host}\r\n", 400 },
        { "space in the target", $"GET /a b HTTP/1.1\r\n{Host}\r\n", 400 },
        { "control char in the target", $"GET /a\u0001b HTTP/1.1\r\n{Host}\r\n", 400 },
        { "NUL in the target", $"GET /a\0b HTTP/1.1\r\n{Host}\r\n", 400 },
        { "DEL in the target", $"GET /a\u007fb HTTP/1.1\r\n{Host}\r\n", 400 },
        { "non-ASCII in the target", $"GET /caf\u00e9 HTTP/1.1\r\n{Host}\r\n", 400 },
        { "tab in the target", $"GET /a\tb HTTP/1.1\r\n{Host}\r\n", 400 },

        // Target forms (RFC 9112 §3.2).
        { "relative target", $"GET index.html HTTP/1.1\r\n{Host}\r\n", 400 },
        { "authority-form outside CONNECT", $"GET a.test:80 HTTP/1.1\r\n{Host}\r\n", 400 },
        { "asterisk-form outside OPTIONS", $"GET * HTTP/1.1\r\n{Host}\r\n", 400 },
        { "absolute-form with another scheme", $"GET ftp://a.test/ HTTP/1.1\r\n{Host}\r\n", 400 },
        { "absolute-form without authority", $"GET http:///p HTTP/1.1\r\n{Host}\r\n", 400 },
        { "absolute-form with userinfo", $"GET http://user@a.test/ HTTP/1.1\r\n{Host}\r\n", 400 },
        { "absolute-form with user and password", $"GET http://user:pw@a.test/p HTTP/1.1\r\n{Host}\r\n", 400 },
        { "absolute-form with a bad port", $"GET http://a.test:99999/ HTTP/1.1\r\n{Host}\r\n", 400 },
        { "CONNECT without port", "CONNECT a.test HTTP/1.1\r\nHost: a.test\r\n\r\n", 400 },
        { "CONNECT with an empty port", "CONNECT a.test: HTTP/1.1\r\nHost: a.test\r\n\r\n", 400 },
        { "CONNECT with port zero", "CONNECT a.test:0 HTTP/1.1\r\nHost: a.test\r\n\r\n", 400 },
        { "CONNECT with origin-form", "CONNECT / HTTP/1.1\r\nHost: a.test\r\n\r\n", 400 },
        { "CONNECT with absolute-form", "CONNECT http://a.test:443 HTTP/1.1\r\nHost: a.test\r\n\r\n", 400 },
        { "CONNECT with userinfo", "CONNECT u@a.test:443 HTTP/1.1\r\nHost: a.test\r\n\r\n", 400 },
        { "CONNECT without Host", "CONNECT a.test:443 HTTP/1.1\r\n\r\n", 400 },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public void A_malformed_request_is_rejected_with_the_status_D2_requires(string because, string raw, int status)
    {
        var error = Invalid(raw);

        Assert.True(error.Status == status, $"{because}: expected {status}, got {error.Status} ({error.Reason})");
        Assert.False(string.IsNullOrEmpty(error.Reason), $"{because}: the error has no reason");
    }

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public void A_malformed_request_is_rejected_whatever_follows_it(string because, string raw, int status)
    {
        // A pipelined request or body bytes after the bad head must not change the verdict.
        var error = Invalid(raw + "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");

        Assert.True(error.Status == status, $"{because}: expected {status}, got {error.Status} ({error.Reason})");
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a.test\r\nX: a\rb")]
    [InlineData("GET / HTTP/1.1\r\nHost: a.test\rX")]
    public void A_bare_CR_in_an_unfinished_field_line_is_rejected_before_the_line_ends(string raw)
    {
        Assert.Equal(400, Invalid(raw).Status);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a.test\nX")]
    [InlineData("GET / HTTP/1.1\nHost")]
    [InlineData("\nGET")]
    public void A_bare_LF_is_rejected_before_the_head_is_complete(string raw)
    {
        Assert.Equal(400, Invalid(raw).Status);
    }

    // ---------------------------------------------------------------- limits

    private static readonly HttpLimits Small = new()
    {
        MaxUriBytes = 32, MaxHeadBytes = 256, MaxHeaders = 4, MaxBodyBytes = 100,
    };

    [Fact]
    public void A_target_at_MaxUriBytes_is_accepted()
    {
        var target = "/" + new string('a', 31);
        Assert.Equal(target, Valid($"GET {target} HTTP/1.1\r\n{Host}\r\n", Small).Target);
    }

    [Fact]
    public void A_target_longer_than_MaxUriBytes_is_414_when_the_line_is_complete()
    {
        var target = "/" + new string('a', 32);
        Assert.Equal(414, Invalid($"GET {target} HTTP/1.1\r\n{Host}\r\n", Small).Status);
    }

    [Fact]
    public void A_target_longer_than_MaxUriBytes_is_414_while_the_line_is_still_incomplete()
    {
        Assert.Equal(414, Invalid("GET /" + new string('a', 32), Small).Status);
    }

    [Fact]
    public void A_target_up_to_MaxUriBytes_without_the_rest_of_the_line_is_incomplete()
    {
        var status = Http1RequestParser.TryParse(Bytes("GET /" + new string('a', 31)), Small, out _, out _, out _);
        Assert.Equal(ParseStatus.Incomplete, status);
    }

    [Fact]
    public void A_long_HTTP_0_9_style_target_is_414()
    {
        Assert.Equal(414, Invalid("GET /" + new string('a', 40) + "\r\n\r\n", Small).Status);
    }

    [Fact]
    public void A_long_absolute_form_target_counts_towards_MaxUriBytes()
    {
        Assert.Equal(414, Invalid($"GET http://a.test/{new string('a', 20)} HTTP/1.1\r\n{Host}\r\n", Small).Status);
    }

    [Fact]
    public void A_head_of_exactly_MaxHeadBytes_is_accepted()
    {
        var prefix = $"GET / HTTP/1.1\r\n{Host}X: ";
        var raw = prefix + new string('v', 256 - prefix.Length - 4) + "\r\n\r\n";
        Assert.Equal(256, raw.Length);

        Valid(raw, Small);
    }

    [Fact]
    public void A_head_larger_than_MaxHeadBytes_is_431()
    {
        var prefix = $"GET / HTTP/1.1\r\n{Host}X: ";
        var raw = prefix + new string('v', 256 - prefix.Length - 3) + "\r\n\r\n";
        Assert.Equal(257, raw.Length);

        Assert.Equal(431, Invalid(raw, Small).Status);
    }

    [Fact]
    public void An_unfinished_head_reaching_MaxHeadBytes_is_431()
    {
        Assert.Equal(431, Invalid($"GET / HTTP/1.1\r\n{Host}X: " + new string('v', 300), Small).Status);
    }

    [Fact]
    public void An_unfinished_request_line_reaching_MaxHeadBytes_is_431()
    {
        // The method never ends, so the target cannot be measured: the head limit applies.
        Assert.Equal(431, Invalid(new string('G', 300), Small).Status);
    }

    [Fact]
    public void MaxHeaders_fields_are_accepted()
    {
        Assert.Equal(4, Valid($"GET / HTTP/1.1\r\n{Host}A: 1\r\nB: 2\r\nC: 3\r\n\r\n", Small).Headers.Count);
    }

    [Fact]
    public void More_than_MaxHeaders_fields_is_431()
    {
        Assert.Equal(431, Invalid($"GET / HTTP/1.1\r\n{Host}A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", Small).Status);
    }

    [Fact]
    public void More_than_MaxHeaders_fields_is_431_before_the_head_is_complete()
    {
        Assert.Equal(431, Invalid($"GET / HTTP/1.1\r\n{Host}A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n", Small).Status);
    }

    [Fact]
    public void A_Content_Length_at_MaxBodyBytes_is_accepted()
    {
        Assert.Equal(100, Valid($"POST / HTTP/1.1\r\n{Host}Content-Length: 100\r\n\r\n", Small).ContentLength);
    }

    [Fact]
    public void A_Content_Length_above_MaxBodyBytes_is_413()
    {
        Assert.Equal(413, Invalid($"POST / HTTP/1.1\r\n{Host}Content-Length: 101\r\n\r\n", Small).Status);
    }

    [Fact]
    public void MaxBodyBytes_zero_means_no_body_limit()
    {
        var head = Valid($"POST / HTTP/1.1\r\n{Host}Content-Length: 999999999999999999\r\n\r\n");
        Assert.Equal(999_999_999_999_999_999L, head.ContentLength);
    }
}
