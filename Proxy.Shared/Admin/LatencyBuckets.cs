namespace Proxy.Shared.Admin;

/// <summary>
/// Log-scale latency buckets shared by every node, so counts from many nodes add up bucket by bucket and the merged
/// percentiles are exact to the bucket (about ±5 %): bucket <c>i</c> holds durations up to <c>0.1 ms × 1.1^i</c>, the
/// last one everything above about 64 s.
/// </summary>
public static class LatencyBuckets
{
    public const int Count = 142;
    private const double FirstMs = 0.1;
    private const double Factor = 1.1;
    private static readonly double LogFactor = Math.Log(Factor);
    private static readonly double[] UpperMs = Enumerable.Range(0, Count).Select(i => FirstMs * Math.Pow(Factor, i)).ToArray();

    /// <summary>The bucket of a duration in milliseconds.</summary>
    public static int Of(double milliseconds) =>
        milliseconds <= FirstMs ? 0 : Math.Min(Count - 1, (int)Math.Ceiling(Math.Log(milliseconds / FirstMs) / LogFactor));

    /// <summary>The duration (ms, the bucket's upper bound) below which <paramref name="quantile"/> of the counts lie;
    /// 0 when there are none.</summary>
    public static double Quantile(IReadOnlyList<long> counts, double quantile)
    {
        long total = 0;
        foreach (var c in counts) total += c;
        if (total == 0) return 0;
        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            seen += counts[i];
            if (seen >= rank) return Math.Round(UpperMs[i], 2);
        }
        return Math.Round(UpperMs[^1], 2);
    }
}
