namespace Proxy.Shared.LoadBalancing;

/// <summary>
/// Draws two distinct available backends at random, each as likely as its weight, and picks the one with fewer
/// requests in flight per unit of weight (the first drawn on a tie, so idle pools split by weight): nearly the
/// balance of least-requests without every node herding onto the same least-loaded backend.
/// </summary>
internal sealed class PowerOfTwoChoicesLoadBalancingPolicy : ILoadBalancingPolicy
{
    public int Pick(LoadBalancedBackend[] backends, in LoadBalancingContext context)
    {
        var avoid = context.Avoid;
        var a = BackendSelection.WeightedDraw(backends, avoid);
        if (a < 0) return Unweighted(backends, avoid);
        var b = BackendSelection.WeightedDraw(backends, avoid, except: a);
        if (b < 0) return a;
        return BackendSelection.LessLoadedPerWeight(backends[b], backends[a]) ? b : a;
    }

    /// <summary>No eligible backend has a weight: two uniform draws compared by load alone.</summary>
    private static int Unweighted(LoadBalancedBackend[] backends, LoadBalancedBackend? avoid)
    {
        var eligible = BackendSelection.CountEligible(backends, avoid);
        if (eligible == 0) return BackendSelection.AvoidedFallback(backends, avoid);
        var first = Random.Shared.Next(eligible);
        // Drawing from one fewer and skipping past the first guarantees two distinct candidates.
        var second = eligible == 1 ? first : Random.Shared.Next(eligible - 1);
        if (eligible > 1 && second >= first) second++;
        var a = BackendSelection.NthEligible(backends, avoid, first);
        var b = BackendSelection.NthEligible(backends, avoid, second);
        if (a < 0 || b < 0)
        {
            // Availability changed between the scans.
            var any = a >= 0 ? a : b >= 0 ? b : BackendSelection.NthEligible(backends, avoid, 0);
            return any >= 0 ? any : BackendSelection.AvoidedFallback(backends, avoid);
        }
        return backends[b].InFlight < backends[a].InFlight ? b : a;
    }
}
