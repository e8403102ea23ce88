namespace Proxy.Shared.Admin;

/// <summary><c>pbm stats</c> / <c>pbm top</c>: the cluster's last <paramref name="WindowSeconds"/> seconds, every member's
/// figures added up.</summary>
/// <param name="Members">The members that answered.</param>
/// <param name="Unanswered">The Up members that did not answer in time (their requests are not in the figures).</param>
public sealed record StatsView(int WindowSeconds, IReadOnlyList<StatsRow> Routes, IReadOnlyList<StatsRow> Backends,
    IReadOnlyList<string> Members, IReadOnlyList<string> Unanswered);

/// <summary>A route (<paramref name="Pool"/> null; <paramref name="Name"/> empty for requests no route matched) or a
/// backend of a pool.</summary>
/// <param name="ErrorPercent">5xx answers and the node's own errors (routes), failed attempts (backends).</param>
/// <param name="P50Ms">Median latency, to the bucket (±5 %).</param>
public sealed record StatsRow(string Name, string? Pool, long Requests, double RequestsPerSecond, double ErrorPercent, double P50Ms, double P99Ms);
