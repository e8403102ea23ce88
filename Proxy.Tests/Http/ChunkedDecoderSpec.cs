using Proxy.Shared.Http;
using Xunit;
using static Proxy.Tests.Http.HttpText;

namespace Proxy.Tests.Http;

/// <summary>D2: the chunked transfer coding (RFC 9112 §7.1) with trailers, fed in arbitrary pieces.</summary>
public class ChunkedDecoderSpec
{
    private sealed record Result(ChunkStep Step, string Data, int Consumed, HttpParseError Error, HttpHeaderList? Trailers);

    /// <summary>Feeds <paramref name="pieces"/> one after another, the way a connection delivers reads.</summary>
    private static Result Decode(ChunkedDecoder decoder, IEnumerable<byte[]> pieces)
    {
        var data = new List<byte>();
        var total = 0;
        foreach (var piece in pieces)
        {
            var offset = 0;
            while (true)
            {
                var step = decoder.Decode(piece.AsSpan(offset), out var consumed, out var dataOffset,
                    out var dataLength, out var error);
                Assert.InRange(consumed, 0, piece.Length - offset);
                if (step == ChunkStep.Data)
                {
                    Assert.True(dataLength > 0, "a Data step carries at least one byte");
                    Assert.InRange(dataOffset + dataLength, dataLength, consumed);
                    data.AddRange(piece.AsSpan(offset + dataOffset, dataLength).ToArray());
                }
                offset += consumed;
                total += consumed;
                if (step is ChunkStep.Done or ChunkStep.Invalid)
                    return new Result(step, Text(data.ToArray()), total, error, decoder.Trailers);
                if (step == ChunkStep.NeedMore)
                {
                    Assert.Equal(piece.Length, offset);
                    break;
                }
            }
        }
        return new Result(ChunkStep.NeedMore, Text(data.ToArray()), total, default, null);
    }

    private static Result Decode(string body, ChunkedDecoder? decoder = null) =>
        Decode(decoder ?? new ChunkedDecoder(), [Bytes(body)]);

    private static Result DecodeByteByByte(string body, ChunkedDecoder? decoder = null) =>
        Decode(decoder ?? new ChunkedDecoder(), Bytes(body).Select(b => new[] { b }));

    private static Result DecodeSplitAt(string body, params int[] cuts)
    {
        var bytes = Bytes(body);
        var pieces = new List<byte[]>();
        var start = 0;
        foreach (var cut in cuts.Append(bytes.Length))
        {
            pieces.Add(bytes[start..cut]);
            start = cut;
        }
        return Decode(new ChunkedDecoder(), pieces);
    }

    private static Result Done(Result result)
    {
        Assert.True(result.Step == ChunkStep.Done,
            $"expected Done, got {result.Step} ({result.Error.Status} {result.Error.Reason})");
        return result;
    }

    // ---------------------------------------------------------------- valid bodies

    [Theory]
    [InlineData("a", 10)]
    [InlineData("A", 10)]
    [InlineData("fF", 255)]
    [InlineData("Ff", 255)]
    [InlineData("0010", 16)]
    [InlineData("1f", 31)]
    [InlineData("100", 256)]
    public void Chunk_sizes_are_hex_in_either_case(string size, int length)
    {
        var data = new string('x', length);
        var result = Done(Decode($"{size}\r\n{data}\r\n0\r\n\r\n"));

        Assert.Equal(data, result.Data);
    }

    [Theory]
    [InlineData("5;name=value")]
    [InlineData("5;name")]
    [InlineData("5;a=1;b=2")]
    [InlineData("5 ;a=b")]
    [InlineData("5\t; a = b")]
    [InlineData("5;a=\"quoted; value\"")]
    [InlineData("5;a=\u00e9")]
    public void Chunk_extensions_are_accepted_and_skipped(string sizeLine)
    {
        var result = Done(Decode($"{sizeLine}\r\nhello\r\n0;last=1\r\n\r\n"));

        Assert.Equal("hello", result.Data);
    }

    [Fact]
    public void Several_chunks_are_reassembled_and_the_whole_body_is_consumed()
    {
        const string body = "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n";
        var result = Done(Decode(body));

        Assert.Equal("hello world", result.Data);
        Assert.Equal(body.Length, result.Consumed);
        Assert.Null(result.Trailers);
    }

    [Fact]
    public void An_empty_body_is_just_the_last_chunk()
    {
        var result = Done(Decode("0\r\n\r\n"));

        Assert.Equal("", result.Data);
        Assert.Equal(5, result.Consumed);
    }

    [Fact]
    public void Chunk_data_may_contain_CR_LF_and_any_byte()
    {
        var data = new string(Enumerable.Range(0, 256).Select(i => (char)i).ToArray());
        var result = Done(Decode($"100\r\n{data}\r\n0\r\n\r\n"));

        Assert.Equal(data, result.Data);
    }

    [Fact]
    public void Bytes_after_the_last_chunk_are_left_for_the_next_message()
    {
        var result = Done(Decode("3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n"));

        Assert.Equal("abc", result.Data);
        Assert.Equal("3\r\nabc\r\n0\r\n\r\n".Length, result.Consumed);
    }

    [Fact]
    public void Trailers_after_the_last_chunk_are_parsed()
    {
        var result = Done(Decode("3\r\nabc\r\n0\r\nX-Checksum: abc123\r\nX-Other:  v \r\n\r\n"));

        Assert.Equal("abc", result.Data);
        Assert.NotNull(result.Trailers);
        Assert.Equal(2, result.Trailers.Count);
        Assert.Equal("abc123", result.Trailers.Get("x-checksum"));
        Assert.Equal("v", result.Trailers.Get("X-Other"));
    }

    [Fact]
    public void Trailer_values_keep_obs_text_bytes()
    {
        var result = Done(Decode("0\r\nX-Latin: caf\u00e9\u00ff\r\n\r\n"));

        Assert.Equal("caf\u00e9\u00ff", result.Trailers!.Get("X-Latin"));
    }

    public static TheoryData<string> Bodies => new()
    {
        "5\r\nhello\r\n0\r\n\r\n",
        "3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n",
        "1\r\n\r\r\n2\r\n\n\r\r\n0\r\nX-Trailer: yes\r\nX-Second: 2\r\n\r\n",
        "10\r\nsixteen bytes!!!\r\n0;final\r\nT: 1\r\n\r\n",
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Feeding_one_byte_at_a_time_gives_the_same_data_and_trailers(string body)
    {
        var whole = Done(Decode(body));
        var bytewise = Done(DecodeByteByByte(body));

        Assert.Equal(whole.Data, bytewise.Data);
        Assert.Equal(body.Length, bytewise.Consumed);
        Assert.Equal(Fields(whole.Trailers), Fields(bytewise.Trailers));
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Splitting_the_input_at_every_offset_gives_the_same_data_and_trailers(string body)
    {
        var whole = Done(Decode(body));
        for (var cut = 0; cut <= body.Length; cut++)
        {
            var split = DecodeSplitAt(body, cut);
            Assert.True(split.Step == ChunkStep.Done, $"cut at {cut}: {split.Step} ({split.Error.Reason})");
            Assert.Equal(whole.Data, split.Data);
            Assert.Equal(body.Length, split.Consumed);
            Assert.Equal(Fields(whole.Trailers), Fields(split.Trailers));
        }
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Every_proper_prefix_of_a_chunked_body_needs_more(string body)
    {
        for (var length = 0; length < body.Length; length++)
        {
            var result = Decode(body[..length]);
            Assert.True(result.Step == ChunkStep.NeedMore, $"prefix of {length}: {result.Step} ({result.Error.Reason})");
            Assert.Equal(length, result.Consumed);
        }
    }

    [Fact]
    public void A_decoder_is_reused_after_Reset()
    {
        var decoder = new ChunkedDecoder();
        var first = Done(Decode("3\r\nabc\r\n0\r\nT: 1\r\n\r\n", decoder));
        Assert.NotNull(first.Trailers);

        decoder.Reset();
        var second = Done(Decode("2\r\nde\r\n0\r\n\r\n", decoder));

        Assert.Equal("de", second.Data);
        Assert.Null(second.Trailers);
    }

    [Fact]
    public void Reset_in_the_middle_of_a_body_starts_over()
    {
        var decoder = new ChunkedDecoder();
        Assert.Equal(ChunkStep.NeedMore, Decode("3\r\nab", decoder).Step);

        decoder.Reset();

        Assert.Equal("xy", Done(Decode("2\r\nxy\r\n0\r\n\r\n", decoder)).Data);
    }

    [Fact]
    public void Fifteen_hex_digits_are_accepted_as_a_size()
    {
        var result = Decode("fffffffffffffff\r\nabc");

        Assert.Equal(ChunkStep.NeedMore, result.Step);
        Assert.Equal("abc", result.Data);
    }

    [Fact]
    public void A_trailer_section_of_exactly_the_limit_is_accepted()
    {
        const string trailers = "X-A: 123456789\r\n\r\n";
        var result = Done(Decode("0\r\n" + trailers, new ChunkedDecoder(maxTrailerBytes: trailers.Length)));

        Assert.Equal("123456789", result.Trailers!.Get("X-A"));
    }

    [Fact]
    public void A_trailer_section_larger_than_the_default_buffer_but_within_the_limit_is_accepted()
    {
        var value = new string('v', 3000);
        var result = Done(Decode($"0\r\nX-Big: {value}\r\n\r\n", new ChunkedDecoder(maxTrailerBytes: 4096)));

        Assert.Equal(value, result.Trailers!.Get("X-Big"));
    }

    // ---------------------------------------------------------------- invalid bodies

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { "non-hex size", "zz\r\nabc\r\n0\r\n\r\n" },
        { "hex prefix", "0x5\r\nhello\r\n0\r\n\r\n" },
        { "empty size", "\r\nabc\r\n0\r\n\r\n" },
        { "negative size", "-1\r\nabc\r\n0\r\n\r\n" },
        { "size with a plus sign", "+1\r\na\r\n0\r\n\r\n" },
        { "space before the size", " 1\r\na\r\n0\r\n\r\n" },
        { "space after the size without an extension", "1 \r\na\r\n0\r\n\r\n" },
        { "junk after the size", "1x\r\na\r\n0\r\n\r\n" },
        { "sixteen hex digits", "1000000000000000\r\na\r\n0\r\n\r\n" },
        { "seventeen hex digits", "10000000000000000\r\na\r\n0\r\n\r\n" },
        { "sixteen digits of leading zeros", "0000000000000001\r\na\r\n0\r\n\r\n" },
        { "control char in an extension", "1;a=\u0001\r\na\r\n0\r\n\r\n" },
        { "NUL in an extension", "1;a\0\r\na\r\n0\r\n\r\n" },
        { "DEL in an extension", "1;a\u007f\r\na\r\n0\r\n\r\n" },
        { "bare LF ending the size line", "3\nabc\r\n0\r\n\r\n" },
        { "bare LF ending the last-chunk line", "3\r\nabc\r\n0\n\r\n" },
        { "bare CR in the size line", "3\rx\r\nabc\r\n0\r\n\r\n" },
        { "bare CR ending the size line", "3\r\rabc\r\n0\r\n\r\n" },
        { "size line that is a bare LF", "\nabc" },
        { "data longer than the size", "3\r\nabcd\r\n0\r\n\r\n" },
        { "data shorter than the size", "5\r\nabc\r\n0\r\n\r\n" },
        { "missing CRLF after data", "3\r\nabc0\r\n\r\n" },
        { "LF only after data", "3\r\nabc\n0\r\n\r\n" },
        { "CR only after data", "3\r\nabc\r0\r\n\r\n" },
        { "LF CR after data", "3\r\nabc\n\r0\r\n\r\n" },
        { "space in a trailer name", "0\r\nBad Name: x\r\n\r\n" },
        { "space before the colon of a trailer", "0\r\nX : y\r\n\r\n" },
        { "trailer line without colon", "0\r\nNoColon\r\n\r\n" },
        { "NUL in a trailer value", "0\r\nX: a\0b\r\n\r\n" },
        { "DEL in a trailer value", "0\r\nX: a\u007fb\r\n\r\n" },
        { "obs-fold in the trailers", "0\r\nX: a\r\n b\r\n\r\n" },
        { "bare LF ending a trailer", "0\r\nX: y\n\r\n" },
        { "bare LF ending the trailer section", "0\r\nX: y\r\n\n" },
        { "bare LF instead of the final CRLF", "0\r\n\n" },
        { "bare CR in a trailer", "0\r\nX: a\rb\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public void A_malformed_chunked_body_is_rejected(string because, string body)
    {
        var result = Decode(body);

        Assert.True(result.Step == ChunkStep.Invalid, $"{because}: expected Invalid, got {result.Step}");
        Assert.True(result.Error.Status == 400, $"{because}: expected 400, got {result.Error.Status}");
        Assert.False(string.IsNullOrEmpty(result.Error.Reason), $"{because}: the error has no reason");
    }

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public void A_malformed_chunked_body_is_rejected_when_fed_one_byte_at_a_time(string because, string body)
    {
        var result = DecodeByteByByte(body);

        Assert.True(result.Step == ChunkStep.Invalid, $"{because}: expected Invalid, got {result.Step}");
    }

    [Fact]
    public void A_size_line_longer_than_the_line_buffer_is_rejected()
    {
        var result = Decode("1;" + new string('a', 5000) + "\r\nx\r\n0\r\n\r\n");

        Assert.Equal(ChunkStep.Invalid, result.Step);
        Assert.Equal(400, result.Error.Status);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(1024)]
    [InlineData(4096)]
    public void A_trailer_section_larger_than_the_limit_is_rejected(int maxTrailerBytes)
    {
        var trailers = $"X-Big: {new string('v', maxTrailerBytes)}\r\n\r\n";
        var result = Decode("0\r\n" + trailers, new ChunkedDecoder(maxTrailerBytes));

        Assert.Equal(ChunkStep.Invalid, result.Step);
    }

    [Fact]
    public void A_trailer_section_one_byte_over_the_limit_is_rejected()
    {
        const string trailers = "X-A: 123456789\r\n\r\n";
        var result = Decode("0\r\n" + trailers, new ChunkedDecoder(maxTrailerBytes: trailers.Length - 1));

        Assert.Equal(ChunkStep.Invalid, result.Step);
    }

    [Fact]
    public void An_unfinished_trailer_section_over_the_limit_is_rejected_without_waiting_for_its_end()
    {
        var result = Decode("0\r\nX-Big: " + new string('v', 200), new ChunkedDecoder(maxTrailerBytes: 64));

        Assert.Equal(ChunkStep.Invalid, result.Step);
    }

    [Fact]
    public void More_trailer_fields_than_allowed_are_rejected()
    {
        var result = Decode("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", new ChunkedDecoder(maxTrailers: 2));

        Assert.Equal(ChunkStep.Invalid, result.Step);
    }

    private static List<(string, string)> Fields(HttpHeaderList? list)
    {
        var fields = new List<(string, string)>();
        if (list is null) return fields;
        for (var i = 0; i < list.Count; i++) fields.Add((list[i].Key, list[i].Value));
        return fields;
    }
}
