using System.Buffers;
using Proxy.Shared.Http;
using Xunit;
using static Proxy.Tests.Http.HttpText;

namespace Proxy.Tests.Http;

/// <summary>D3: what the proxy writes is valid HTTP/1.1 and carries field values byte for byte.</summary>
public class Http1WriterSpec
{
    [Theory]
    [InlineData("GET", "/", "GET / HTTP/1.1\r\n")]
    [InlineData("POST", "/p?q=1&r=%20", "POST /p?q=1&r=%20 HTTP/1.1\r\n")]
    [InlineData("GET", "http://a.test:81/p?q", "GET http://a.test:81/p?q HTTP/1.1\r\n")]
    [InlineData("CONNECT", "a.test:443", "CONNECT a.test:443 HTTP/1.1\r\n")]
    [InlineData("OPTIONS", "*", "OPTIONS * HTTP/1.1\r\n")]
    public void A_request_line_is_method_target_and_HTTP_1_1(string method, string target, string expected)
    {
        Assert.Equal(expected, Written(w => Http1Writer.WriteRequestLine(w, method, target)));
    }

    [Theory]
    [InlineData(200, "OK", "HTTP/1.1 200 OK\r\n")]
    [InlineData(404, "Nope", "HTTP/1.1 404 Nope\r\n")]
    [InlineData(204, "", "HTTP/1.1 204 No Content\r\n")]
    [InlineData(502, "", "HTTP/1.1 502 Bad Gateway\r\n")]
    [InlineData(431, "", "HTTP/1.1 431 Request Header Fields Too Large\r\n")]
    [InlineData(100, "Continue", "HTTP/1.1 100 Continue\r\n")]
    [InlineData(200, "D\u00e9j\u00e0 \u00ff", "HTTP/1.1 200 D\u00e9j\u00e0 \u00ff\r\n")]
    public void A_status_line_uses_the_given_reason_or_the_standard_one(int status, string reason, string expected)
    {
        Assert.Equal(expected, Written(w => Http1Writer.WriteStatusLine(w, status, reason)));
    }

    [Theory]
    [InlineData(200)]
    [InlineData(204)]
    [InlineData(400)]
    [InlineData(413)]
    [InlineData(414)]
    [InlineData(501)]
    [InlineData(505)]
    public void A_written_status_line_is_read_back_by_the_response_parser(int status)
    {
        var raw = Written(w =>
        {
            Http1Writer.WriteStatusLine(w, status, "");
            Http1Writer.WriteHeader(w, "Content-Length", 0);
            Http1Writer.WriteEndOfHead(w);
        });

        Assert.Equal(ParseStatus.Complete, Http1ResponseParser.TryParse(Bytes(raw), false, 1024, 10, out var head,
            out _, out _));
        Assert.Equal(status, head!.Status);
        Assert.Equal(HttpStatusText.Get(status), head.Reason);
    }

    [Fact]
    public void A_header_is_name_colon_space_value_CRLF()
    {
        Assert.Equal("X-Name: some value\r\n", Written(w => Http1Writer.WriteHeader(w, "X-Name", "some value")));
        Assert.Equal("X-Empty: \r\n", Written(w => Http1Writer.WriteHeader(w, "X-Empty", "")));
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(5L, "5")]
    [InlineData(1234567890123L, "1234567890123")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    public void A_numeric_header_is_written_in_decimal(long value, string text)
    {
        Assert.Equal($"Content-Length: {text}\r\n", Written(w => Http1Writer.WriteHeader(w, "Content-Length", value)));
    }

    [Fact]
    public void Headers_are_written_in_order_and_the_head_ends_with_an_empty_line()
    {
        var headers = new HttpHeaderList();
        headers.Add("Host", "a.test");
        headers.Add("set-cookie", "a=1");
        headers.Add("Set-Cookie", "b=2");

        var raw = Written(w =>
        {
            Http1Writer.WriteHeaders(w, headers);
            Http1Writer.WriteEndOfHead(w);
        });

        Assert.Equal("Host: a.test\r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n", raw);
    }

    [Theory]
    [InlineData(1, "1")]
    [InlineData(9, "9")]
    [InlineData(10, "a")]
    [InlineData(15, "f")]
    [InlineData(16, "10")]
    [InlineData(255, "ff")]
    [InlineData(4096, "1000")]
    [InlineData(65535, "ffff")]
    [InlineData(int.MaxValue, "7fffffff")]
    public void A_chunk_header_is_the_size_in_lower_case_hex_and_CRLF(int length, string hex)
    {
        Assert.Equal($"{hex}\r\n", Written(w => Http1Writer.WriteChunkHeader(w, length)));
    }

    [Fact]
    public void A_chunk_ends_with_CRLF()
    {
        Assert.Equal("\r\n", Written(Http1Writer.WriteChunkEnd));
    }

    [Fact]
    public void The_last_chunk_without_trailers_is_zero_and_an_empty_line()
    {
        Assert.Equal("0\r\n\r\n", Written(w => Http1Writer.WriteLastChunk(w, null)));
    }

    [Fact]
    public void The_last_chunk_carries_the_trailers_before_the_empty_line()
    {
        var trailers = new HttpHeaderList();
        trailers.Add("X-Checksum", "abc123");
        trailers.Add("X-Latin", "\u00e9");

        Assert.Equal("0\r\nX-Checksum: abc123\r\nX-Latin: \u00e9\r\n\r\n",
            Written(w => Http1Writer.WriteLastChunk(w, trailers)));
    }

    [Fact]
    public void Written_chunks_and_trailers_are_decoded_back_to_the_same_data_and_trailers()
    {
        var trailers = new HttpHeaderList();
        trailers.Add("X-Checksum", "abc123");
        var chunks = new[] { "hello", new string('x', 300), "\r\n", "\u00ff" };

        var raw = Written(w =>
        {
            foreach (var chunk in chunks)
            {
                Http1Writer.WriteChunkHeader(w, chunk.Length);
                Http1Writer.Write(w, Bytes(chunk));
                Http1Writer.WriteChunkEnd(w);
            }
            Http1Writer.WriteLastChunk(w, trailers);
        });

        var decoder = new ChunkedDecoder();
        var input = Bytes(raw);
        var data = new List<byte>();
        var offset = 0;
        ChunkStep step;
        do
        {
            step = decoder.Decode(input.AsSpan(offset), out var consumed, out var dataOffset, out var dataLength, out _);
            if (step == ChunkStep.Data) data.AddRange(input.AsSpan(offset + dataOffset, dataLength).ToArray());
            offset += consumed;
        } while (step == ChunkStep.Data);

        Assert.Equal(ChunkStep.Done, step);
        Assert.Equal(input.Length, offset);
        Assert.Equal(string.Concat(chunks), Text(data.ToArray()));
        Assert.Equal("abc123", decoder.Trailers!.Get("X-Checksum"));
    }

    [Fact]
    public void Every_obs_text_byte_round_trips_through_parser_and_writer_as_Latin1()
    {
        var obsText = new string(Enumerable.Range(0x80, 0x80).Select(i => (char)i).ToArray());
        var raw = $"GET /p?q HTTP/1.1\r\nHost: a.test\r\nX-Bytes: a{obsText}z\r\n\r\n";

        Assert.Equal(ParseStatus.Complete, Http1RequestParser.TryParse(Bytes(raw), HttpLimits.Default, out var head,
            out _, out _));
        var rewritten = Written(w =>
        {
            Http1Writer.WriteRequestLine(w, head!.Method, head.Target);
            Http1Writer.WriteHeaders(w, head.Headers);
            Http1Writer.WriteEndOfHead(w);
        });

        Assert.Equal(Bytes(raw), Bytes(rewritten));
    }

    [Fact]
    public void A_parsed_response_head_is_written_back_byte_for_byte()
    {
        const string raw = "HTTP/1.1 200 D\u00e9j\u00e0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nX-Latin: \u00a0\u00ff\r\nContent-Length: 0\r\n\r\n";

        Assert.Equal(ParseStatus.Complete, Http1ResponseParser.TryParse(Bytes(raw), false, 1024, 10, out var head,
            out _, out _));
        var rewritten = Written(w =>
        {
            Http1Writer.WriteStatusLine(w, head!.Status, head.Reason);
            Http1Writer.WriteHeaders(w, head.Headers);
            Http1Writer.WriteEndOfHead(w);
        });

        Assert.Equal(raw, rewritten);
    }

    [Fact]
    public void Writing_appends_to_what_the_buffer_already_holds()
    {
        var w = new ArrayBufferWriter<byte>();
        Http1Writer.Write(w, "abc"u8);
        Http1Writer.WriteChunkHeader(w, 26);

        Assert.Equal("abc1a\r\n", Text(w.WrittenSpan));
    }
}
