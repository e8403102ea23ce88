using System.IO.Compression;
using Akka.IO;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange.Filters.Compression;

/// <summary>E4: one response body compressed with gzip as it streams. System.IO.Compression has gzip only as a
/// stream, so it writes into a buffer this encoder drains after each chunk; each chunk ends with a sync flush (the
/// client sees data as the backend sends it, and memory stays one chunk's worth).</summary>
public sealed class GzipBodyEncoder : IResponseBodyFilter
{
    private readonly MemoryStream _buffer = new();
    private readonly GZipStream _gzip;
    private bool _disposed;

    public GzipBodyEncoder(CompressionLevel level) => _gzip = new GZipStream(_buffer, level, leaveOpen: true);

    public ByteString OnBodyChunk(ByteString chunk, bool last)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var segment in Transport.ByteStringSegments.Of(chunk)) _gzip.Write(segment);
        if (last) _gzip.Dispose(); // writes the final block and the trailer
        else _gzip.Flush();
        if (_buffer.Length == 0) return ByteString.Empty;
        // Copied: the buffer is written again for the next chunk (FromBytes would alias it).
        var bytes = ByteString.CopyFrom(_buffer.GetBuffer(), 0, (int)_buffer.Length);
        _buffer.SetLength(0);
        return bytes;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _gzip.Dispose();
        _buffer.Dispose();
    }
}
