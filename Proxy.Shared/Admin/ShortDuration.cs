using System.Globalization;
using System.Text.RegularExpressions;

namespace Proxy.Shared.Admin;

/// <summary>The durations the admin API and pbm take in options (<c>wait=5s</c>, <c>--interval 500ms</c>): whole
/// milliseconds or seconds, in a range the caller gives.</summary>
public static partial class ShortDuration
{
    [GeneratedRegex("^([0-9]{1,6})(ms|s)$", RegexOptions.CultureInvariant)]
    private static partial Regex Syntax();

    public static bool TryParse(string? text, TimeSpan min, TimeSpan max, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (text is null || Syntax().Match(text) is not { Success: true } match) return false;
        var n = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        value = match.Groups[2].Value == "ms" ? TimeSpan.FromMilliseconds(n) : TimeSpan.FromSeconds(n);
        return value >= min && value <= max;
    }
}
