using System.Text;
using Proxy.Shared.Http;

namespace Proxy.Shared.Caching;

/// <summary>
/// Reading of list-based field values (RFC 9110 §5.6.1) with quoted-strings (RFC 9110 §5.6.4): splitting at the
/// commas that are not inside a quoted-string, trimming OWS, unquoting. The caching policy reads Cache-Control,
/// Vary, If-None-Match and Age with it; it allocates only for an element it has to unquote.
/// </summary>
internal static class FieldValues
{
    /// <summary>
    /// The next non-empty element of <paramref name="value"/> from <paramref name="position"/> (commas inside a
    /// quoted-string do not split), trimmed of OWS. Empty elements are skipped, as RFC 9110 §5.6.1 asks recipients.
    /// </summary>
    /// <returns>False when no element is left.</returns>
    public static bool NextElement(ReadOnlySpan<char> value, ref int position, out ReadOnlySpan<char> element)
    {
        while (position < value.Length)
        {
            var start = position;
            var quoted = false;
            var i = start;
            for (; i < value.Length; i++)
            {
                var c = value[i];
                if (quoted)
                {
                    if (c == '\\') i++;
                    else if (c == '"') quoted = false;
                }
                else if (c == '"') quoted = true;
                else if (c == ',') break;
            }
            position = i + 1;
            element = TrimOws(value[start..Math.Min(i, value.Length)]);
            if (!element.IsEmpty) return true;
        }
        element = default;
        return false;
    }

    /// <summary>Removes leading and trailing spaces and horizontal tabs (OWS, RFC 9110 §5.6.3).</summary>
    public static ReadOnlySpan<char> TrimOws(ReadOnlySpan<char> s) => s.Trim(" \t");

    /// <summary>Whether <paramref name="s"/> is a token (RFC 9110 §5.6.2): one or more tchar.</summary>
    public static bool IsToken(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return false;
        foreach (var c in s)
            if (c > 127 || !HttpSyntax.IsTokenChar((byte)c)) return false;
        return true;
    }

    /// <summary>
    /// Reads a directive or parameter argument: a token, or a quoted-string whose quoted-pairs are unescaped
    /// (RFC 9110 §5.6.4). False when it is neither (for example an unterminated quoted-string or a space in a token).
    /// </summary>
    public static bool TryReadArgument(ReadOnlySpan<char> s, out ReadOnlySpan<char> argument)
    {
        if (s.IsEmpty || s[0] != '"')
        {
            argument = s;
            return IsToken(s);
        }
        if (s.Length < 2 || s[^1] != '"')
        {
            argument = default;
            return false;
        }
        var inner = s[1..^1];
        if (inner.IndexOf('\\') < 0)
        {
            // A '"' inside would have ended the quoted-string early.
            argument = inner;
            return inner.IndexOf('"') < 0;
        }
        var sb = new StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            var c = inner[i];
            if (c == '"')
            {
                argument = default;
                return false;
            }
            if (c == '\\')
            {
                if (++i == inner.Length)
                {
                    argument = default;
                    return false;
                }
                c = inner[i];
            }
            sb.Append(c);
        }
        argument = sb.ToString();
        return true;
    }

    /// <summary>
    /// Parses delta-seconds (RFC 9111 §1.2.2): 1*DIGIT, saturating at 2^31 seconds as the RFC asks for a value
    /// too large to represent. False for anything but digits (a sign, a fraction, an empty value).
    /// </summary>
    public static bool TryParseDeltaSeconds(ReadOnlySpan<char> s, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (s.IsEmpty) return false;
        long seconds = 0;
        foreach (var c in s)
        {
            if (c is < '0' or > '9') return false;
            if (seconds < MaxDeltaSeconds) seconds = seconds * 10 + (c - '0');
        }
        value = TimeSpan.FromSeconds(Math.Min(seconds, MaxDeltaSeconds));
        return true;
    }

    /// <summary>2^31, the value RFC 9111 §1.2.2 gives an overflowing delta-seconds.</summary>
    public const long MaxDeltaSeconds = 2147483648;
}
