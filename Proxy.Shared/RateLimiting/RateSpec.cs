using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Proxy.Shared.RateLimiting;

/// <summary>A rate or quota written <c>"COUNT/UNIT"</c>: <c>100/s</c>, <c>6000/min</c>, <c>500/h</c>, <c>100000/day</c>,
/// <c>1000000/month</c> (a month is 30 days).</summary>
public readonly record struct RateSpec(long Count, TimeSpan Per)
{
    /// <summary>Time between two tokens at this rate (the GCRA emission interval).</summary>
    public TimeSpan Interval => TimeSpan.FromTicks(Math.Max(1, Per.Ticks / Count));

    public double PerSecond => Count / Per.TotalSeconds;

    public override string ToString() => $"{Count}/{Unit(Per)}";

    private static string Unit(TimeSpan per) => per.TotalSeconds switch
    {
        1 => "s",
        60 => "min",
        3600 => "h",
        86400 => "day",
        _ => "month",
    };

    public static bool TryParse(string? text, [NotNullWhen(false)] out string? error, out RateSpec rate)
    {
        rate = default;
        var s = text?.Trim() ?? "";
        var slash = s.IndexOf('/');
        if (slash <= 0 || !long.TryParse(s.AsSpan(0, slash).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
        {
            error = $"expected COUNT/UNIT such as 100/s or 6000/min, got '{text}'";
            return false;
        }
        TimeSpan? per = s[(slash + 1)..].Trim().ToLowerInvariant() switch
        {
            "s" or "sec" or "second" => TimeSpan.FromSeconds(1),
            "m" or "min" or "minute" => TimeSpan.FromMinutes(1),
            "h" or "hour" => TimeSpan.FromHours(1),
            "d" or "day" => TimeSpan.FromDays(1),
            "month" => TimeSpan.FromDays(30),
            _ => null,
        };
        if (per is null)
        {
            error = $"unknown unit in '{text}' (use s, min, h, day or month)";
            return false;
        }
        rate = new RateSpec(count, per.Value);
        error = null;
        return true;
    }
}
