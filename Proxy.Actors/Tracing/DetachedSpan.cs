using System.Diagnostics;

namespace Proxy.Actors.Tracing;

/// <summary>
/// Starts and stops the node's spans without making them <see cref="Activity.Current"/>: an actor or stage runs many
/// exchanges and sessions on one thread in turn, and an ambient activity would leak from one to the next.
/// </summary>
internal static class DetachedSpan
{
    /// <summary>The node's <see cref="ActivitySource"/> (<see cref="ExchangeTracing.SourceName"/>).</summary>
    public static readonly ActivitySource Source = new(ExchangeTracing.SourceName, typeof(DetachedSpan).Assembly.GetName().Version?.ToString(3));

    /// <summary>Whether a trace that starts here (no client context) is recorded: <paramref name="ratio"/> of them.</summary>
    public static bool SampleNew(double ratio) => ratio > 0 && (ratio >= 1 || Random.Shared.NextDouble() < ratio);

    public static Activity? Start(string name, ActivityKind kind, ActivityContext parent)
    {
        var ambient = Activity.Current;
        Activity.Current = null;
        var span = Source.StartActivity(name, kind, parent);
        Activity.Current = ambient;
        return span;
    }

    public static void Stop(Activity span)
    {
        var ambient = Activity.Current;
        span.Stop();
        Activity.Current = ambient;
    }
}
