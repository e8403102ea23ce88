using System.Buffers;

namespace Proxy.Shared.Routing;

/// <summary>
/// Looks for a parameter in a raw query string without building a dictionary: routes carry one or two
/// query conditions, so scanning the string per condition is cheaper than parsing it into collections.
/// </summary>
internal static class QueryStringMatcher
{
    // Longer encoded segments are rare; they rent instead of growing the stack.
    private const int StackDecodeLimit = 256;

    /// <summary>
    /// True when some <c>name=value</c> pair in <paramref name="query"/> has the given name (and value, unless
    /// null). Names and values are percent-decoded and then compared ordinally; '+' stays '+' because only
    /// form bodies, not URIs (RFC 3986), define it as a space.
    /// </summary>
    public static bool Contains(string query, string name, string? value)
    {
        var rest = query.AsSpan();
        while (!rest.IsEmpty)
        {
            var amp = rest.IndexOf('&');
            ReadOnlySpan<char> pair;
            if (amp < 0)
            {
                pair = rest;
                rest = default;
            }
            else
            {
                pair = rest[..amp];
                rest = rest[(amp + 1)..];
            }
            if (pair.IsEmpty) continue;

            var eq = pair.IndexOf('=');
            var rawName = eq < 0 ? pair : pair[..eq];
            if (!DecodedEquals(rawName, name)) continue;
            if (value is null) return true;
            var rawValue = eq < 0 ? ReadOnlySpan<char>.Empty : pair[(eq + 1)..];
            if (DecodedEquals(rawValue, value)) return true;
        }
        return false;
    }

    /// <summary>Whether the raw (percent-encoded) <paramref name="raw"/> decodes to <paramref name="expected"/>.</summary>
    internal static bool DecodedEquals(ReadOnlySpan<char> raw, string expected)
    {
        if (raw.IndexOf('%') < 0) return raw.SequenceEqual(expected);
        // Percent-decoding never lengthens text, so a shorter raw segment cannot match.
        if (raw.Length < expected.Length) return false;

        char[]? rented = null;
        var buffer = raw.Length <= StackDecodeLimit
            ? stackalloc char[StackDecodeLimit]
            : (rented = ArrayPool<char>.Shared.Rent(raw.Length));
        try
        {
            return Uri.TryUnescapeDataString(raw, buffer, out var written)
                && buffer[..written].SequenceEqual(expected);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }
}
