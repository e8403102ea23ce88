using System.Diagnostics;
using Xunit.Sdk;

namespace Proxy.Tests.Integration.Support;

/// <summary>Polls a condition until it holds or a deadline passes (behaviour bounds, not timing assertions).</summary>
public static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds; returns how long that took.</summary>
    public static async Task<TimeSpan> Holds(Func<bool> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (condition()) return watch.Elapsed;
            if (watch.Elapsed > timeout) throw new XunitException($"not within {timeout.TotalSeconds:0.#} s: {what}");
            await Task.Delay(25);
        }
    }

    /// <summary>As <see cref="Holds(Func{bool}, TimeSpan, string)"/> for a condition that must ask something.</summary>
    public static async Task<TimeSpan> Holds(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await condition()) return watch.Elapsed;
            if (watch.Elapsed > timeout) throw new XunitException($"not within {timeout.TotalSeconds:0.#} s: {what}");
            await Task.Delay(100);
        }
    }
}
