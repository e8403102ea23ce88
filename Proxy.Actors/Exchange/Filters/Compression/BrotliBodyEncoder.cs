using System.Buffers;
using System.IO.Compression;
using Akka.IO;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange.Filters.Compression;

/// <summary>E4: one response body compressed with Brotli as it streams: each chunk is compressed and flushed at once
/// (a client sees data as the backend sends it; memory stays one chunk's worth), the last one ends the stream.</summary>
public sealed class BrotliBodyEncoder(int quality) : IResponseBodyFilter
{
    private const int Window = 22; // the format's default (4 MiB); what BrotliStream uses
    private BrotliEncoder _encoder = new(quality, Window);
    private bool _disposed;

    public ByteString OnBodyChunk(ByteString chunk, bool last)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var output = new ArrayBufferWriter<byte>(Math.Max(64, chunk.Count / 2));
        foreach (var segment in Transport.ByteStringSegments.Of(chunk)) Compress(segment, output, final: false);
        if (last) Compress(ReadOnlySpan<byte>.Empty, output, final: true);
        else Flush(output);
        return output.WrittenCount == 0 ? ByteString.Empty : ByteString.FromBytes(output.WrittenSpan.ToArray());
    }

    private void Compress(ReadOnlySpan<byte> source, ArrayBufferWriter<byte> output, bool final)
    {
        while (true)
        {
            var status = _encoder.Compress(source, output.GetSpan(BrotliEncoder.GetMaxCompressedLength(Math.Max(source.Length, 1)) + 64),
                out var consumed, out var written, final);
            output.Advance(written);
            source = source[consumed..];
            if (status == OperationStatus.Done && source.IsEmpty) return;
            if (status is OperationStatus.InvalidData) throw new InvalidOperationException("brotli encoder refused its input");
        }
    }

    private void Flush(ArrayBufferWriter<byte> output)
    {
        while (true)
        {
            var status = _encoder.Flush(output.GetSpan(1024), out var written);
            output.Advance(written);
            if (status == OperationStatus.Done) return;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _encoder.Dispose();
    }
}
