using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Proxy.Actors.Tracing;

/// <summary>
/// The W3C trace context of a request that is not recorded: its trace id (the client's, or a new one), the client's
/// <c>tracestate</c>, and nothing else. Most requests are not sampled, and for them the node makes no
/// <see cref="System.Diagnostics.Activity"/> (the OpenTelemetry SDK would make one per dropped span, with its ids as
/// strings): the trace id is kept as a number, and the one string made per attempt is the <c>traceparent</c> sent upstream.
/// </summary>
/// <remarks>
/// Hand-written because <see cref="System.Diagnostics.ActivityContext.TryParse(string, string, out System.Diagnostics.ActivityContext)"/>
/// and <see cref="System.Diagnostics.ActivityTraceId"/> hold their ids as hex strings: three strings per request for ids
/// nobody records.
/// </remarks>
public readonly record struct UnsampledTrace(UInt128 TraceId, string? TraceState)
{
    /// <summary>A new trace (the client sent no usable context).</summary>
    public static UnsampledTrace NewRoot()
    {
        UInt128 id;
        do id = new UInt128((ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue), (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue));
        while (id == UInt128.Zero);
        return new UnsampledTrace(id, null);
    }

    /// <summary>Reads a version-00-compatible <c>traceparent</c> (W3C Trace Context §3.2): <c>vv-{32 hex}-{16 hex}-ff</c>,
    /// lower-case hex, neither id all zeros, version <c>ff</c> refused; a later version may carry more fields after the
    /// flags.</summary>
    public static bool TryParse(string? traceparent, out UInt128 traceId, out bool sampled)
    {
        traceId = default;
        sampled = false;
        if (traceparent is null || traceparent.Length < 55) return false;
        var text = traceparent.AsSpan();
        if (text[2] != '-' || text[35] != '-' || text[52] != '-') return false;
        if (!TryHexByte(text[..2], out var version) || version == 0xff) return false;
        if (version == 0 ? text.Length != 55 : text.Length > 55 && text[55] != '-') return false;
        if (!TryHex(text[3..19], out var high) || !TryHex(text[19..35], out var low) || !TryHex(text[36..52], out var parent)) return false;
        if (!TryHexByte(text[53..55], out var flags)) return false;
        traceId = new UInt128(high, low);
        if (traceId == UInt128.Zero || parent == 0) return false;
        sampled = (flags & 1) != 0;
        return true;
    }

    /// <summary>The <c>traceparent</c> for an attempt of this trace: version 00, a new span id (the backend's parent),
    /// not sampled.</summary>
    public string TraceParent() => string.Create(TraceParentText.Length, TraceId, static (text, id) =>
    {
        Span<byte> ids = stackalloc byte[24];
        BinaryPrimitives.WriteUInt128BigEndian(ids, id);
        ulong span;
        do span = (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        while (span == 0);
        BinaryPrimitives.WriteUInt64BigEndian(ids[16..], span);
        TraceParentText.Write(text, ids, sampled: false);
    });

    /// <summary>W3C ids are lower-case hex only (<see cref="NumberStyles.AllowHexSpecifier"/> takes upper case too).</summary>
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    private static bool TryHex(ReadOnlySpan<char> text, out ulong value)
    {
        value = 0;
        return !text.ContainsAnyExcept(LowerHex) && ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryHexByte(ReadOnlySpan<char> text, out byte value)
    {
        value = 0;
        return !text.ContainsAnyExcept(LowerHex) && byte.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
