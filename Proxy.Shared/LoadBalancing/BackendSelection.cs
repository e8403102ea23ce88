namespace Proxy.Shared.LoadBalancing;

/// <summary>
/// Scans shared by the policies. A backend is eligible when it is available and is not the one to avoid;
/// the avoided backend is the last resort when nothing else is available.
/// </summary>
internal static class BackendSelection
{
    public static bool IsEligible(LoadBalancedBackend backend, LoadBalancedBackend? avoid) =>
        backend.Available && !ReferenceEquals(backend, avoid);

    public static int CountEligible(LoadBalancedBackend[] backends, LoadBalancedBackend? avoid)
    {
        var count = 0;
        foreach (var backend in backends)
            if (IsEligible(backend, avoid))
                count++;
        return count;
    }

    /// <summary>Index of the <paramref name="n"/>-th (0-based) eligible backend, or -1 if there are fewer.</summary>
    public static int NthEligible(LoadBalancedBackend[] backends, LoadBalancedBackend? avoid, int n)
    {
        for (var i = 0; i < backends.Length; i++)
        {
            if (!IsEligible(backends[i], avoid)) continue;
            if (n-- == 0) return i;
        }
        return -1;
    }

    /// <summary>Index of <paramref name="avoid"/> when it is in the array and available, else -1.</summary>
    public static int AvoidedFallback(LoadBalancedBackend[] backends, LoadBalancedBackend? avoid)
    {
        if (avoid is null || !avoid.Available) return -1;
        for (var i = 0; i < backends.Length; i++)
            if (ReferenceEquals(backends[i], avoid))
                return i;
        return -1;
    }

    /// <summary>Whether <paramref name="a"/> has fewer requests in flight per unit of weight than <paramref name="b"/>
    /// (both weights above 0; compared by cross-multiplying, no division).</summary>
    public static bool LessLoadedPerWeight(LoadBalancedBackend a, LoadBalancedBackend b) =>
        (long)a.InFlight * b.Weight < (long)b.InFlight * a.Weight;

    /// <summary>A random eligible backend with weight above 0, each as likely as its share of their total weight,
    /// other than <paramref name="except"/>; -1 when there is none.</summary>
    public static int WeightedDraw(LoadBalancedBackend[] backends, LoadBalancedBackend? avoid, int except = -1)
    {
        long total = 0;
        for (var i = 0; i < backends.Length; i++)
            if (i != except && IsEligible(backends[i], avoid))
                total += backends[i].Weight;
        if (total == 0) return -1;
        var ticket = Random.Shared.NextInt64(total);
        for (var i = 0; i < backends.Length; i++)
        {
            if (i == except || !IsEligible(backends[i], avoid)) continue;
            ticket -= backends[i].Weight;
            if (ticket < 0) return i;
        }
        return -1; // a weight or availability changed during the scan
    }

    /// <summary>Maps a counter that may have wrapped past int.MaxValue onto [0, length).</summary>
    public static int Slot(int counter, int length) => (int)((uint)counter % (uint)length);
}
