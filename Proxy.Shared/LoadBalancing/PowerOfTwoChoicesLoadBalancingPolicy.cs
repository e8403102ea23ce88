namespace Proxy.Shared.LoadBalancing;

/// <summary>
/// Takes two distinct random available backends and picks the one with fewer requests in flight: nearly the
/// balance of least-requests without every node herding onto the same least-loaded backend.
/// </summary>
internal sealed class PowerOfTwoChoicesLoadBalancingPolicy : ILoadBalancingPolicy
{
    public int Pick(LoadBalancedBackend[] backends, in LoadBalancingContext context)
    {
        var avoid = context.Avoid;
        var eligible = BackendSelection.CountEligible(backends, avoid);
        if (eligible == 0) return BackendSelection.AvoidedFallback(backends, avoid);
        if (eligible == 1)
        {
            var only = BackendSelection.NthEligible(backends, avoid, 0);
            return only >= 0 ? only : BackendSelection.AvoidedFallback(backends, avoid);
        }

        var first = Random.Shared.Next(eligible);
        // Drawing from one fewer and skipping past the first guarantees two distinct candidates.
        var second = Random.Shared.Next(eligible - 1);
        if (second >= first) second++;

        var a = BackendSelection.NthEligible(backends, avoid, first);
        var b = BackendSelection.NthEligible(backends, avoid, second);
        if (a < 0 || b < 0)
        {
            var any = a >= 0 ? a : b >= 0 ? b : BackendSelection.NthEligible(backends, avoid, 0);
            return any >= 0 ? any : BackendSelection.AvoidedFallback(backends, avoid);
        }
        return backends[b].InFlight < backends[a].InFlight ? b : a;
    }
}
