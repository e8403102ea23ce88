namespace Proxy.Shared.LoadBalancing;

/// <summary>
/// Consistent hashing of <see cref="LoadBalancingContext.HashKey"/> onto a ring of virtual nodes
/// proportional to weight: the same key reaches the same backend on every node, and a backend leaving or
/// returning only moves its own keys. Without a key it falls back to weighted round robin.
/// </summary>
internal sealed class ConsistentHashLoadBalancingPolicy : ILoadBalancingPolicy
{
    private readonly WeightedRoundRobinLoadBalancingPolicy _withoutKey = new();
    private readonly BackendSnapshotCache<HashRing> _ring = new(HashRing.Build);

    public int Pick(LoadBalancedBackend[] backends, in LoadBalancingContext context)
    {
        if (context.HashKey is null) return _withoutKey.Pick(backends, context);
        var ring = _ring.For(backends);
        var points = ring.Points;
        // Only weight-0 backends (or none) are available: spreading beats refusing.
        if (points.Length == 0) return _withoutKey.Pick(backends, context);

        var avoid = context.Avoid;
        var owners = ring.Owners;
        var position = ring.Locate(StableHash.Hash(context.HashKey));
        var owner = owners[position];
        if (BackendSelection.IsEligible(backends[owner], avoid)) return owner;

        // A retry or a race with a health change: the next owner clockwise is where the key would go if this
        // backend left, which keeps retries as sticky as possible.
        if (BackendSelection.CountEligible(backends, avoid) == 0) return BackendSelection.AvoidedFallback(backends, avoid);
        for (var step = 1; step < points.Length; step++)
        {
            var next = position + step;
            if (next >= points.Length) next -= points.Length;
            owner = owners[next];
            if (BackendSelection.IsEligible(backends[owner], avoid)) return owner;
        }
        return _withoutKey.Pick(backends, context);
    }
}
