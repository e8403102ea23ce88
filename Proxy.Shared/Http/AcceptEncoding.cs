using System.Globalization;

namespace Proxy.Shared.Http;

/// <summary>
/// Content coding negotiation (RFC 9110 §12.5.3): which of the codings a proxy offers a request's
/// <c>Accept-Encoding</c> prefers — the highest q-value above 0, ties broken by the offer's order; <c>*</c> stands
/// for every coding not named, and <c>q=0</c> refuses one. No header means no coding is wanted (what nginx and
/// Envoy do, though the RFC lets a server choose any).
/// </summary>
public static class AcceptEncoding
{
    /// <returns>The chosen coding from <paramref name="offered"/> (as written there), or null for none.</returns>
    public static string? Choose(string? header, IReadOnlyList<string> offered)
    {
        if (string.IsNullOrWhiteSpace(header)) return null;
        string? best = null;
        var bestQ = 0.0;
        foreach (var coding in offered)
        {
            var q = QualityOf(header, coding);
            if (q > bestQ)
            {
                best = coding;
                bestQ = q;
            }
        }
        return best;
    }

    /// <summary>The q-value the header gives <paramref name="coding"/> (its own entry, else <c>*</c>'s, else 0).</summary>
    public static double QualityOf(string header, string coding)
    {
        double? named = null, wildcard = null;
        foreach (var range in header.AsSpan().Split(','))
        {
            var element = header.AsSpan(range).Trim();
            if (element.IsEmpty) continue;
            var semicolon = element.IndexOf(';');
            var name = (semicolon < 0 ? element : element[..semicolon]).Trim();
            var q = semicolon < 0 ? 1.0 : Quality(element[(semicolon + 1)..]);
            if (name.Equals(coding, StringComparison.OrdinalIgnoreCase)) named = Math.Max(named ?? 0, q);
            else if (name.SequenceEqual("*")) wildcard = q;
        }
        return named ?? wildcard ?? 0;
    }

    /// <summary>The <c>q=</c> parameter among <paramref name="parameters"/>; 1 without one, 0 when it does not parse.</summary>
    private static double Quality(ReadOnlySpan<char> parameters)
    {
        foreach (var range in parameters.Split(';'))
        {
            var parameter = parameters[range].Trim();
            if (parameter.Length < 2 || (parameter[0] | 0x20) != 'q' || parameter[1] != '=') continue;
            return double.TryParse(parameter[2..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var q) && q is >= 0 and <= 1
                ? q
                : 0;
        }
        return 1;
    }
}
