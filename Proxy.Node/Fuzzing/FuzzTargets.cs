using System.Text;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;

namespace Proxy.Node.Fuzzing;

/// <summary>
/// The parsers that face hostile input, as fuzz targets (issue 21, point 3): each takes arbitrary bytes and must
/// return — any exception is a finding. Run under afl++ by <c>Proxy.Node fuzz TARGET</c> (scripts/fuzz.sh); the suite
/// runs the regression corpus (<c>Proxy.Tests/Fuzzing/corpus/TARGET</c>) through the same methods.
/// </summary>
public static class FuzzTargets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>
    {
        ["request"] = Request,
        ["response"] = Response,
        ["chunked"] = Chunked,
        ["config"] = Config,
    };

    /// <summary>HTTP/1.1 request heads, pipelined: parse until the input is used up or refused.</summary>
    public static void Request(byte[] input)
    {
        ReadOnlySpan<byte> rest = input;
        while (!rest.IsEmpty)
        {
            var status = Http1RequestParser.TryParse(rest, HttpLimits.Default, out var head, out var consumed, out _);
            if (status != ParseStatus.Complete) return;
            if (head is null || consumed <= 0 || consumed > rest.Length) throw new InvalidOperationException("complete without a head or progress");
            rest = rest[consumed..];
        }
    }

    /// <summary>Upstream response heads (first byte of the input chooses whether the request was HEAD).</summary>
    public static void Response(byte[] input)
    {
        if (input.Length == 0) return;
        var status = Http1ResponseParser.TryParse(input.AsSpan(1), requestWasHead: (input[0] & 1) == 1, maxHeadBytes: 64 * 1024,
            maxHeaders: 100, out var head, out var consumed, out _);
        if (status == ParseStatus.Complete && (head is null || consumed <= 0 || consumed > input.Length - 1))
            throw new InvalidOperationException("complete without a head or progress");
    }

    /// <summary>A chunked body fed in pieces (the first byte sets the piece size), as it arrives from a socket.</summary>
    public static void Chunked(byte[] input)
    {
        if (input.Length == 0) return;
        var piece = Math.Max(1, (int)input[0]);
        var decoder = new ChunkedDecoder(maxTrailerBytes: 4096, maxTrailers: 16);
        var data = input.AsSpan(1);
        var buffered = new List<byte>();
        for (var at = 0; at < data.Length; at += piece)
        {
            buffered.AddRange(data.Slice(at, Math.Min(piece, data.Length - at)));
            var span = buffered.ToArray().AsSpan();
            while (!span.IsEmpty)
            {
                var step = decoder.Decode(span, out var consumed, out var offset, out var length, out _);
                if (step is ChunkStep.Invalid or ChunkStep.Done) return;
                if (consumed < 0 || consumed > span.Length || offset < 0 || length < 0 || offset + length > span.Length)
                    throw new InvalidOperationException($"decoder out of bounds: consumed {consumed}, data {offset}+{length} of {span.Length}");
                if (consumed == 0) break; // needs more
                span = span[consumed..];
            }
            buffered = [.. span.ToArray()];
        }
    }

    /// <summary>Config text → settings or problems, never an exception, and never a parse the loader had to abandon
    /// (HoconText bounds Akka's parser, which loops forever on some malformed text; the preprocessor must report
    /// those shapes first, so an abandoned parse is a finding here, not only under afl's hang timeout).</summary>
    public static void Config(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        var result = ProxyConfigLoader.LoadText(text, new Dictionary<string, string?>(), "fuzz");
        if (!result.IsValid && result.Problems.Count == 0) throw new InvalidOperationException("invalid without a problem");
        if (result.Problems.Any(p => p.Message.Contains("the parser did not finish", StringComparison.Ordinal)))
            throw new InvalidOperationException("Akka's HOCON parser did not finish on this text");
    }
}
