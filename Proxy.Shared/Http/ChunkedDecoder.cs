namespace Proxy.Shared.Http;

/// <summary>What <see cref="ChunkedDecoder.Decode"/> found.</summary>
public enum ChunkStep
{
    /// <summary>All input consumed; more is needed.</summary>
    NeedMore,
    /// <summary>Chunk data at [DataOffset, DataOffset + DataLength) of the input.</summary>
    Data,
    /// <summary>Last chunk and trailer section read; <see cref="ChunkedDecoder.Trailers"/> holds the trailers.</summary>
    Done,
    Invalid,
}

/// <summary>
/// Incremental decoder for the chunked transfer coding (RFC 9112 §7.1): strict chunk-size lines, the CRLF after
/// every chunk's data, and a trailer section parsed with the same field rules as headers. One instance per
/// connection, reset per message; it keeps only the few bytes of a size line or trailer split across reads.
/// </summary>
public sealed class ChunkedDecoder
{
    private const int MaxSizeLine = 4096;

    private enum State { Size, Data, DataCr, DataLf, Trailer, Done }

    private State _state;
    private long _remaining;
    // Only a size line split across reads is copied here, so most connections never allocate it.
    private byte[]? _line;
    private int _lineLength;
    private readonly int _maxTrailerBytes;
    private readonly int _maxTrailers;

    public ChunkedDecoder(int maxTrailerBytes = 64 * 1024, int maxTrailers = 100)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTrailerBytes);
        _maxTrailerBytes = maxTrailerBytes;
        _maxTrailers = maxTrailers;
    }

    /// <summary>Trailer fields of the message just finished (null when there were none).</summary>
    public HttpHeaderList? Trailers { get; private set; }

    private byte[]? _trailerBuffer;
    private int _trailerLength;

    public void Reset()
    {
        _state = State.Size;
        _remaining = 0;
        _lineLength = 0;
        _trailerLength = 0;
        Trailers = null;
    }

    /// <summary>
    /// Consumes from <paramref name="input"/> until it finds chunk data, the end of the body or needs more bytes.
    /// </summary>
    public ChunkStep Decode(ReadOnlySpan<byte> input, out int consumed, out int dataOffset, out int dataLength,
        out HttpParseError error)
    {
        var pos = 0;
        dataOffset = dataLength = 0;
        error = default;
        while (pos < input.Length)
        {
            switch (_state)
            {
                case State.Data:
                {
                    var n = (int)Math.Min(_remaining, input.Length - pos);
                    dataOffset = pos;
                    dataLength = n;
                    _remaining -= n;
                    if (_remaining == 0) _state = State.DataCr;
                    consumed = pos + n;
                    return ChunkStep.Data;
                }
                case State.DataCr:
                    if (input[pos++] != '\r') return Fail("missing CRLF after chunk data", out consumed, out error, pos);
                    _state = State.DataLf;
                    break;
                case State.DataLf:
                    if (input[pos++] != '\n') return Fail("missing CRLF after chunk data", out consumed, out error, pos);
                    _state = State.Size;
                    break;
                case State.Size:
                {
                    var lf = input[pos..].IndexOf((byte)'\n');
                    var take = lf < 0 ? input.Length - pos : lf + 1;
                    if (_lineLength + take > MaxSizeLine) return Fail("chunk size line too long", out consumed, out error, pos);
                    ReadOnlySpan<byte> line;
                    if (_lineLength == 0 && lf >= 0)
                    {
                        line = input.Slice(pos, take);
                    }
                    else
                    {
                        _line ??= new byte[MaxSizeLine];
                        input.Slice(pos, take).CopyTo(_line.AsSpan(_lineLength));
                        _lineLength += take;
                        line = _line.AsSpan(0, _lineLength);
                    }
                    pos += take;
                    if (lf < 0) break;
                    if (!TryParseSizeLine(line, out var size, out var reason))
                        return Fail(reason, out consumed, out error, pos);
                    _lineLength = 0;
                    if (size == 0)
                    {
                        _state = State.Trailer;
                        _trailerLength = 0;
                    }
                    else
                    {
                        _remaining = size;
                        _state = State.Data;
                    }
                    break;
                }
                case State.Trailer:
                {
                    // The trailer section ends with an empty line; collect it whole, then parse with the header rules.
                    // Never larger than the limit, or a limit below the initial size would not be enforced.
                    _trailerBuffer ??= new byte[Math.Min(1024, _maxTrailerBytes)];
                    var b = input[pos++];
                    if (_trailerLength == _trailerBuffer.Length)
                    {
                        if (_trailerLength >= _maxTrailerBytes) return Fail("trailer section too large", out consumed, out error, pos);
                        Array.Resize(ref _trailerBuffer, Math.Min(_trailerBuffer.Length * 2, _maxTrailerBytes));
                    }
                    _trailerBuffer[_trailerLength++] = b;
                    if (b != '\n') break;
                    var section = _trailerBuffer.AsSpan(0, _trailerLength);
                    var trailers = new HttpHeaderList(4);
                    var status = HttpFieldParser.ParseSection(section, 0, trailers, _maxTrailers, out var end, out error);
                    if (status == ParseStatus.Invalid)
                    {
                        consumed = pos;
                        return ChunkStep.Invalid;
                    }
                    if (status == ParseStatus.Incomplete) break;
                    if (end != _trailerLength) return Fail("data after trailer section", out consumed, out error, pos);
                    Trailers = trailers.Count == 0 ? null : trailers;
                    _state = State.Done;
                    consumed = pos;
                    return ChunkStep.Done;
                }
                case State.Done:
                    consumed = pos;
                    return ChunkStep.Done;
            }
        }
        consumed = pos;
        return _state == State.Done ? ChunkStep.Done : ChunkStep.NeedMore;
    }

    private static ChunkStep Fail(string reason, out int consumed, out HttpParseError error, int pos)
    {
        consumed = pos;
        error = HttpParseError.BadRequest(reason);
        return ChunkStep.Invalid;
    }

    /// <summary>chunk-size [ chunk-ext ] CRLF, with chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ).</summary>
    private static bool TryParseSizeLine(ReadOnlySpan<byte> line, out long size, out string reason)
    {
        size = 0;
        if (line.Length < 2 || line[^2] != '\r')
        {
            reason = "chunk size line must end with CRLF";
            return false;
        }
        line = line[..^2];
        var i = 0;
        while (i < line.Length && char.IsAsciiHexDigit((char)line[i]))
        {
            if (i >= 15)
            {
                reason = "chunk size too large";
                return false;
            }
            size = size * 16 + HexValue(line[i]);
            i++;
        }
        if (i == 0)
        {
            reason = "invalid chunk size";
            return false;
        }
        var ext = line[i..];
        if (!ext.IsEmpty)
        {
            var trimmed = HttpSyntax.TrimOws(ext);
            if (trimmed.IsEmpty || trimmed[0] != ';')
            {
                reason = "invalid chunk size";
                return false;
            }
            foreach (var b in trimmed)
            {
                if (HttpSyntax.IsFieldValueChar(b)) continue;
                reason = "invalid character in chunk extension";
                return false;
            }
        }
        reason = string.Empty;
        return true;
    }

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
