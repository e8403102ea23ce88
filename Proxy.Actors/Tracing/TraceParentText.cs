namespace Proxy.Actors.Tracing;

/// <summary>The W3C <c>traceparent</c> text (version 00) the node sends upstream, for a sampled span's ids and for an
/// unsampled trace alike: <c>00-{32 hex trace id}-{16 hex parent id}-{flags}</c>, lower-case.</summary>
internal static class TraceParentText
{
    public const int Length = 55;

    /// <param name="text"><see cref="Length"/> characters to fill.</param>
    /// <param name="ids">The trace id (16 bytes) then the parent id (8 bytes).</param>
    public static void Write(Span<char> text, ReadOnlySpan<byte> ids, bool sampled)
    {
        "00-".CopyTo(text);
        Convert.TryToHexStringLower(ids[..16], text[3..35], out _);
        text[35] = '-';
        Convert.TryToHexStringLower(ids[16..24], text[36..52], out _);
        (sampled ? "-01" : "-00").CopyTo(text[52..]);
    }
}
