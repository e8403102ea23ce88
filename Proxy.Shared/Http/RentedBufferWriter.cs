using System.Buffers;

namespace Proxy.Shared.Http;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> of bytes whose array is rented from <see cref="ArrayPool{T}.Shared"/> when it is
/// first written to and given back by <see cref="Return"/>. For writers that one connection keeps and uses now and then
/// (a response head, a request head): between uses the connection holds no buffer, however large the last one grew.
/// </summary>
/// <remarks>
/// Hand-written because neither library type does this: <see cref="ArrayBufferWriter{T}"/> keeps its array for as long
/// as it lives, and CommunityToolkit's <c>ArrayPoolBufferWriter&lt;T&gt;</c> rents in its constructor and cannot be used
/// again once it gave its array back (one allocation per use).
/// </remarks>
public sealed class RentedBufferWriter : IBufferWriter<byte>
{
    private readonly int _initialSize;
    private byte[]? _buffer;
    private int _written;

    public RentedBufferWriter(int initialSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialSize);
        _initialSize = initialSize;
    }

    /// <summary>The bytes written since the last <see cref="Reset"/>, in the rented array (valid until the next write,
    /// <see cref="Reset"/> or <see cref="Return"/>).</summary>
    public ArraySegment<byte> Written => _buffer is null ? ArraySegment<byte>.Empty : new(_buffer, 0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public int WrittenCount => _written;

    /// <summary>Holds a rented array now.</summary>
    public bool HoldsBuffer => _buffer is not null;

    /// <summary>Starts over in the same array.</summary>
    public void Reset() => _written = 0;

    /// <summary>Gives the array back to the pool; the next write rents one again.</summary>
    public void Return()
    {
        var buffer = _buffer;
        _buffer = null;
        _written = 0;
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>Lets go of the array without giving it back, for when something may still read it (a send in flight on
    /// a connection being closed): the pool must not hand it to another writer; the GC takes it.</summary>
    public void Drop()
    {
        _buffer = null;
        _written = 0;
    }

    public void Advance(int count)
    {
        if (count < 0 || _buffer is null || _written + count > _buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(count), "advanced past the span that was handed out");
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(_initialSize, needed));
            return;
        }
        if (_buffer.Length - _written >= needed) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + needed));
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
