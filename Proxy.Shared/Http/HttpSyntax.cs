using System.Runtime.CompilerServices;

namespace Proxy.Shared.Http;

/// <summary>Character classes of RFC 9110/9112 and small helpers shared by the parsers.</summary>
public static class HttpSyntax
{
    // tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    private static readonly bool[] TokenChars = BuildTokenChars();

    private static bool[] BuildTokenChars()
    {
        var t = new bool[256];
        for (var c = '0'; c <= '9'; c++) t[c] = true;
        for (var c = 'a'; c <= 'z'; c++) t[c] = true;
        for (var c = 'A'; c <= 'Z'; c++) t[c] = true;
        foreach (var c in "!#$%&'*+-.^_`|~") t[c] = true;
        return t;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsTokenChar(byte b) => TokenChars[b];

    public static bool IsToken(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty) return false;
        foreach (var b in s)
            if (!TokenChars[b]) return false;
        return true;
    }

    /// <summary>field-vchar / SP / HTAB / obs-text; everything else (CTLs, DEL, NUL, CR, LF) is invalid.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsFieldValueChar(byte b) => b == (byte)'\t' || (b >= 0x20 && b != 0x7F);

    /// <summary>Characters allowed in a request-target: visible ASCII (no SP, CTL, DEL or non-ASCII).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsTargetChar(byte b) => b > 0x20 && b < 0x7F;

    public static ReadOnlySpan<byte> TrimOws(ReadOnlySpan<byte> s)
    {
        var start = 0;
        var end = s.Length;
        while (start < end && (s[start] == ' ' || s[start] == '\t')) start++;
        while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t')) end--;
        return s[start..end];
    }

    /// <summary>Parses 1*DIGIT as a non-negative long; false on empty, non-digit or overflow.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 18) return false;
        foreach (var b in s)
        {
            if (b < '0' || b > '9') return false;
            value = value * 10 + (b - '0');
        }
        return true;
    }

    /// <summary>Case-insensitive ASCII comparison of a span with a lower-case literal.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> s, string lowerLiteral)
    {
        if (s.Length != lowerLiteral.Length) return false;
        for (var i = 0; i < s.Length; i++)
        {
            var b = s[i];
            if (b >= 'A' && b <= 'Z') b = (byte)(b | 0x20);
            if (b != lowerLiteral[i]) return false;
        }
        return true;
    }

    /// <summary>Whether a comma-separated header value contains <paramref name="lowerToken"/> as one element.</summary>
    public static bool ListContains(string? value, string lowerToken)
    {
        if (value is null) return false;
        var span = value.AsSpan();
        while (!span.IsEmpty)
        {
            var comma = span.IndexOf(',');
            var item = (comma < 0 ? span : span[..comma]).Trim(" \t");
            if (item.Equals(lowerToken, StringComparison.OrdinalIgnoreCase)) return true;
            if (comma < 0) break;
            span = span[(comma + 1)..];
        }
        return false;
    }
}
