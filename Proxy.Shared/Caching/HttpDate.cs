using System.Globalization;

namespace Proxy.Shared.Caching;

/// <summary>
/// HTTP-date (RFC 9110 §5.6.7): IMF-fixdate (<c>Sun, 06 Nov 1994 08:49:37 GMT</c>), which senders generate, and
/// the two obsolete forms a recipient MUST accept, rfc850-date (<c>Sunday, 06-Nov-94 08:49:37 GMT</c>) and
/// asctime-date (<c>Sun Nov  6 08:49:37 1994</c>). Day and month names are read case-insensitively (lenient about
/// what the RFC calls case-sensitive); the day name is checked to be one but not against the date; a leap second
/// (60) reads as 59.
/// </summary>
public static class HttpDate
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    private static readonly string[] Days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    private static readonly string[] LongDays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

    /// <summary>Parses an HTTP-date; rfc850's two-digit year is read relative to the current UTC year.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value) => TryParse(text, DateTimeOffset.UtcNow, out value);

    /// <summary>
    /// Parses an HTTP-date. An rfc850-date's two-digit year that would be more than 50 years after
    /// <paramref name="now"/> is the most recent past year with those last two digits (RFC 9110 §5.6.7).
    /// </summary>
    public static bool TryParse(string? text, DateTimeOffset now, out DateTimeOffset value)
    {
        value = default;
        if (text is null) return false;
        var s = FieldValues.TrimOws(text);
        var comma = s.IndexOf(',');
        if (comma == 3) return IsName(s[..3], Days) && s.Length > 4 && s[4] == ' ' && TryImfFixdate(s[5..], out value);
        if (comma > 3) return IsName(s[..comma], LongDays) && s.Length > comma + 1 && s[comma + 1] == ' ' && TryRfc850(s[(comma + 2)..], now, out value);
        return comma < 0 && s.Length > 4 && IsName(s[..3], Days) && s[3] == ' ' && TryAsctime(s[4..], out value);
    }

    /// <summary>The IMF-fixdate form of <paramref name="value"/> in GMT, e.g. <c>Sun, 06 Nov 1994 08:49:37 GMT</c>.</summary>
    public static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);

    // "06 Nov 1994 08:49:37 GMT"
    private static bool TryImfFixdate(ReadOnlySpan<char> s, out DateTimeOffset value)
    {
        value = default;
        return s.Length == 24 && Digits(s[..2], out var day) && s[2] == ' ' && Month(s[3..6], out var month) && s[6] == ' '
               && Digits(s[7..11], out var year) && s[11] == ' ' && Time(s[12..20], out var h, out var m, out var sec)
               && Gmt(s[20..]) && Build(year, month, day, h, m, sec, out value);
    }

    // "06-Nov-94 08:49:37 GMT"
    private static bool TryRfc850(ReadOnlySpan<char> s, DateTimeOffset now, out DateTimeOffset value)
    {
        value = default;
        if (!(s.Length == 22 && Digits(s[..2], out var day) && s[2] == '-' && Month(s[3..6], out var month) && s[6] == '-'
              && Digits(s[7..9], out var yy) && s[9] == ' ' && Time(s[10..18], out var h, out var m, out var sec) && Gmt(s[18..])))
            return false;
        var year = now.UtcDateTime.Year / 100 * 100 + yy;
        if (year > now.UtcDateTime.Year + 50) year -= 100;
        else if (year <= now.UtcDateTime.Year - 50) year += 100;
        return Build(year, month, day, h, m, sec, out value);
    }

    // "Nov  6 08:49:37 1994" (the day is 2DIGIT or SP DIGIT)
    private static bool TryAsctime(ReadOnlySpan<char> s, out DateTimeOffset value)
    {
        value = default;
        if (s.Length != 20 || !Month(s[..3], out var month) || s[3] != ' ') return false;
        int day;
        if (s[4] == ' ')
        {
            if (!Digits(s[5..6], out day)) return false;
        }
        else if (!Digits(s[4..6], out day)) return false;
        return s[6] == ' ' && Time(s[7..15], out var h, out var m, out var sec) && s[15] == ' ' && Digits(s[16..20], out var year)
               && Build(year, month, day, h, m, sec, out value);
    }

    private static bool Time(ReadOnlySpan<char> s, out int hour, out int minute, out int second)
    {
        minute = second = 0;
        return Digits(s[..2], out hour) && s[2] == ':' && Digits(s[3..5], out minute) && s[5] == ':' && Digits(s[6..8], out second)
               && hour < 24 && minute < 60 && second <= 60;
    }

    private static bool Build(int year, int month, int day, int hour, int minute, int second, out DateTimeOffset value)
    {
        value = default;
        if (year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        value = new DateTimeOffset(year, month, day, hour, minute, Math.Min(second, 59), TimeSpan.Zero);
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        foreach (var c in s)
        {
            if (c is < '0' or > '9') return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    private static bool Month(ReadOnlySpan<char> s, out int month)
    {
        for (month = 1; month <= 12; month++)
            if (s.Equals(Months[month - 1], StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static bool IsName(ReadOnlySpan<char> s, string[] names)
    {
        foreach (var name in names)
            if (s.Equals(name, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static bool Gmt(ReadOnlySpan<char> s) => s.Equals(" GMT", StringComparison.OrdinalIgnoreCase);
}
