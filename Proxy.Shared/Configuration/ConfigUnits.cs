using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Proxy.Shared.Configuration;

/// <summary>Parses the HOCON unit formats we use: durations, byte sizes, percentages, switches.</summary>
/// <remarks>Our own parser rather than Akka's getters because Akka's reject negative values with a bare
/// FormatException (we want "must not be negative" from the validator instead) and throw on every mistake.
/// Units follow the HOCON spec (<c>k</c>/<c>KiB</c> are powers of 1024, <c>kB</c> powers of 1000; a bare number is
/// bytes for a size), except that a duration must name its unit: HOCON reads a bare number as milliseconds and nginx
/// as seconds, so <c>request-head = 10</c> is refused rather than guessed (issue 22).</remarks>
internal static partial class ConfigUnits
{
    [GeneratedRegex(@"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$")]
    private static partial Regex NumberWithUnit();

    private static readonly Dictionary<string, decimal> TicksPerDurationUnit = new(StringComparer.Ordinal)
    {
        ["ns"] = 0.01m, ["nano"] = 0.01m, ["nanos"] = 0.01m, ["nanosecond"] = 0.01m, ["nanoseconds"] = 0.01m,
        ["us"] = 10, ["micro"] = 10, ["micros"] = 10, ["microsecond"] = 10, ["microseconds"] = 10,
        ["ms"] = TimeSpan.TicksPerMillisecond, ["milli"] = TimeSpan.TicksPerMillisecond,
        ["millis"] = TimeSpan.TicksPerMillisecond, ["millisecond"] = TimeSpan.TicksPerMillisecond,
        ["milliseconds"] = TimeSpan.TicksPerMillisecond,
        ["s"] = TimeSpan.TicksPerSecond, ["second"] = TimeSpan.TicksPerSecond, ["seconds"] = TimeSpan.TicksPerSecond,
        ["m"] = TimeSpan.TicksPerMinute, ["minute"] = TimeSpan.TicksPerMinute, ["minutes"] = TimeSpan.TicksPerMinute,
        ["h"] = TimeSpan.TicksPerHour, ["hour"] = TimeSpan.TicksPerHour, ["hours"] = TimeSpan.TicksPerHour,
        ["d"] = TimeSpan.TicksPerDay, ["day"] = TimeSpan.TicksPerDay, ["days"] = TimeSpan.TicksPerDay,
    };

    private static readonly Dictionary<string, decimal> BytesPerSizeUnit = BuildSizeUnits();

    private static Dictionary<string, decimal> BuildSizeUnits()
    {
        var units = new Dictionary<string, decimal>(StringComparer.Ordinal)
        {
            [""] = 1, ["b"] = 1, ["B"] = 1, ["byte"] = 1, ["bytes"] = 1,
        };
        // (binary short forms, decimal short form, binary long name, decimal long name)
        (string[] Binary, string Decimal, string BinaryName, string DecimalName)[] powers =
        [
            (["k", "K", "Ki", "KiB"], "kB", "kibibyte", "kilobyte"),
            (["m", "M", "Mi", "MiB"], "MB", "mebibyte", "megabyte"),
            (["g", "G", "Gi", "GiB"], "GB", "gibibyte", "gigabyte"),
            (["t", "T", "Ti", "TiB"], "TB", "tebibyte", "terabyte"),
        ];
        decimal binary = 1, dec = 1;
        foreach (var (binaryForms, decimalForm, binaryName, decimalName) in powers)
        {
            binary *= 1024;
            dec *= 1000;
            foreach (var form in binaryForms) units[form] = binary;
            units[binaryName] = units[binaryName + "s"] = binary;
            units[decimalForm] = dec;
            units[decimalName] = units[decimalName + "s"] = dec;
        }
        return units;
    }

    /// <summary><paramref name="number"/> × <paramref name="perUnit"/>; false when either overflows a decimal (a
    /// number with thirty digits, found by fuzzing the config loader, threw OverflowException).</summary>
    private static bool TryScale(string number, decimal perUnit, out decimal result)
    {
        result = 0;
        if (!decimal.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            return false;
        if (perUnit > 1 && Math.Abs(value) > decimal.MaxValue / perUnit) return false;
        result = value * perUnit;
        return true;
    }

    public static bool TryParseDuration(string text, out TimeSpan value, [NotNullWhen(false)] out string? error)
    {
        value = default;
        var m = NumberWithUnit().Match(text);
        if (m.Success && m.Groups[2].Value.Length == 0)
        {
            var number = m.Groups[1].Value;
            error = $"'{text.Trim()}' has no unit: add a unit: {number}s, {number}ms";
            return false;
        }
        if (!m.Success || !TicksPerDurationUnit.TryGetValue(m.Groups[2].Value, out var ticksPerUnit))
        {
            error = $"expected a duration like 10s, 250ms or 2m, got '{text}'";
            return false;
        }
        if (!TryScale(m.Groups[1].Value, ticksPerUnit, out var ticks) || ticks > TimeSpan.MaxValue.Ticks || ticks < TimeSpan.MinValue.Ticks)
        {
            error = $"duration '{text}' is too large";
            return false;
        }
        value = TimeSpan.FromTicks((long)decimal.Round(ticks));
        error = null;
        return true;
    }

    public static bool TryParseByteSize(string text, out long value, [NotNullWhen(false)] out string? error)
    {
        value = default;
        var m = NumberWithUnit().Match(text);
        if (!m.Success || !BytesPerSizeUnit.TryGetValue(m.Groups[2].Value, out var bytesPerUnit))
        {
            error = $"expected a size like 64k, 8KiB or 10MB, got '{text}'";
            return false;
        }
        if (!TryScale(m.Groups[1].Value, bytesPerUnit, out var bytes))
        {
            error = $"size '{text}' is too large";
            return false;
        }
        if (bytes != decimal.Truncate(bytes))
        {
            error = $"size '{text}' is not a whole number of bytes";
            return false;
        }
        if (bytes > long.MaxValue || bytes < long.MinValue)
        {
            error = $"size '{text}' is too large";
            return false;
        }
        value = (long)bytes;
        error = null;
        return true;
    }

    /// <summary>"20%" → 0.2; a bare number is taken as a fraction ("0.2" → 0.2).</summary>
    public static bool TryParseFraction(string text, out double value, [NotNullWhen(false)] out string? error)
    {
        var s = text.Trim();
        var percent = s.EndsWith('%');
        if (percent) s = s[..^1].TrimEnd();
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
        {
            error = $"expected a percentage like 20% or a fraction like 0.2, got '{text}'";
            return false;
        }
        if (percent) value /= 100;
        error = null;
        return true;
    }

    public static bool TryParseInt(string text, out int value, [NotNullWhen(false)] out string? error)
    {
        if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            error = null;
            return true;
        }
        error = $"expected a whole number, got '{text}'";
        return false;
    }

    /// <summary>HOCON booleans: true/false, on/off, yes/no.</summary>
    public static bool TryParseSwitch(string text, out bool value, [NotNullWhen(false)] out string? error)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "on" or "yes":
                value = true;
                error = null;
                return true;
            case "false" or "off" or "no":
                value = false;
                error = null;
                return true;
            default:
                value = false;
                error = $"expected on or off, got '{text}'";
                return false;
        }
    }
}
