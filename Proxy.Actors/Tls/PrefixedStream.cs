using System.Buffers;

namespace Proxy.Actors.Tls;

/// <summary>
/// A connection's stream with the bytes already read from it (the client hello the listener looked at) put back in
/// front: reads return those first, then go to the socket; writes go straight through. The prefix buffer is rented
/// and returned once it has been read. Hand-written because the BCL has no such wrapper: Kestrel rewinds its pipe
/// instead, and the listener here runs SslStream directly over the socket's NetworkStream.
/// </summary>
internal sealed class PrefixedStream(Stream inner) : Stream
{
    private byte[]? _prefix;
    private int _offset;
    private int _count;

    /// <summary>Puts <paramref name="count"/> bytes of <paramref name="rented"/> (from <see cref="ArrayPool{T}.Shared"/>,
    /// now owned by this stream) in front of the socket's.</summary>
    public void Unread(byte[] rented, int count)
    {
        _prefix = rented;
        _offset = 0;
        _count = count;
        if (count == 0) Release();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefix is null) return inner.ReadAsync(buffer, cancellationToken);
        if (buffer.IsEmpty) return ValueTask.FromResult(0); // a zero-byte read: data is there
        var n = Math.Min(buffer.Length, _count);
        _prefix.AsSpan(_offset, n).CopyTo(buffer.Span);
        _offset += n;
        _count -= n;
        if (_count == 0) Release();
        return ValueTask.FromResult(n);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    private void Release()
    {
        if (_prefix is { } prefix) ArrayPool<byte>.Shared.Return(prefix);
        _prefix = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Not returned to the pool: a read on another thread may still be copying from it.
            _prefix = null;
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
