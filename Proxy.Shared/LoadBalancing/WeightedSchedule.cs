namespace Proxy.Shared.LoadBalancing;

/// <summary>
/// One cycle of nginx's smooth weighted round robin, precomputed for a backend array at a given
/// <see cref="LoadBalancedBackend.Generation"/>, so a pick is an atomic increment and an array read
/// instead of a locked update of per-backend running weights.
/// </summary>
internal sealed class WeightedSchedule : IBackendSnapshot
{
    // Bounds memory and rebuild time for extreme weights; larger cycles are scaled down proportionally.
    internal const int MaxLength = 1 << 14;

    private WeightedSchedule(LoadBalancedBackend[] backends, int generation, int[] slots)
    {
        Backends = backends;
        Generation = generation;
        Slots = slots;
    }

    public LoadBalancedBackend[] Backends { get; }

    public int Generation { get; }

    /// <summary>Backend indexes in pick order; empty when no available backend has a weight.</summary>
    public int[] Slots { get; }

    public bool IsCurrentFor(LoadBalancedBackend[] backends, int generation) =>
        ReferenceEquals(Backends, backends) && Generation == generation;

    public static WeightedSchedule Build(LoadBalancedBackend[] backends, int generation)
    {
        var weights = new long[backends.Length];
        long total = 0;
        long divisor = 0;
        for (var i = 0; i < backends.Length; i++)
        {
            var weight = backends[i].Available ? backends[i].Weight : 0;
            weights[i] = weight;
            total += weight;
            if (weight > 0) divisor = divisor == 0 ? weight : Gcd(divisor, weight);
        }
        if (total == 0) return new WeightedSchedule(backends, generation, []);

        // 2:4:6 yields the same order as 1:2:3 in a third of the space.
        total = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] /= divisor;
            total += weights[i];
        }
        if (total > MaxLength)
        {
            var scaledTotal = 0L;
            for (var i = 0; i < weights.Length; i++)
            {
                if (weights[i] == 0) continue;
                weights[i] = Math.Max(1, weights[i] * MaxLength / total);
                scaledTotal += weights[i];
            }
            total = scaledTotal;
        }

        // nginx smooth WRR: every backend gains its weight, the richest is chosen and pays the total; this
        // interleaves (5:1:1 gives a a b a c a a) rather than sending each backend's share in one burst.
        var slots = new int[total];
        var current = new long[weights.Length];
        for (var s = 0; s < slots.Length; s++)
        {
            var best = -1;
            for (var i = 0; i < weights.Length; i++)
            {
                if (weights[i] == 0) continue;
                current[i] += weights[i];
                if (best < 0 || current[i] > current[best]) best = i;
            }
            current[best] -= total;
            slots[s] = best;
        }
        return new WeightedSchedule(backends, generation, slots);
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
