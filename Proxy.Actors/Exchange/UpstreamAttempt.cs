using Proxy.Actors.Pools;

namespace Proxy.Actors.Exchange;

/// <summary>
/// One upstream attempt as observers see it when it ended.
/// </summary>
/// <param name="Backend">The backend (or upstream proxy) it went to.</param>
/// <param name="Start">When it began (<see cref="System.Diagnostics.Stopwatch"/> ticks).</param>
/// <param name="End">When it ended.</param>
/// <param name="Status">The response status it got; 0 when none arrived.</param>
/// <param name="ErrorType">Why it failed (<c>connect_failed</c>, <c>upstream_response_timeout</c>, the status for a 5xx,
/// …); null when it succeeded.</param>
/// <param name="ResendCount">Attempts made before this one for the same request.</param>
public readonly record struct UpstreamAttempt(Backend Backend, long Start, long End, int Status, string? ErrorType, int ResendCount)
{
    public TimeSpan Duration => System.Diagnostics.Stopwatch.GetElapsedTime(Start, End);
}
