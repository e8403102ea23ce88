namespace Proxy.Shared.LoadBalancing;

/// <summary>
/// A consistent-hash ring over the available backends of one array at a given
/// <see cref="LoadBalancedBackend.Generation"/>. A backend's points depend only on its address and weight,
/// so when it leaves only the keys on its points move, and when it returns they move back.
/// </summary>
internal sealed class HashRing : IBackendSnapshot
{
    /// <summary>Points per unit of weight; ketama's 160 keeps shares within a few percent for a handful of backends.</summary>
    internal const int PointsPerWeight = 160;

    // Bounds a single backend's points (and ring build time) for extreme weights.
    internal const int MaxEffectiveWeight = 256;

    private const ulong GoldenGamma = 0x9E3779B97F4A7C15;

    private HashRing(LoadBalancedBackend[] backends, int generation, ulong[] points, int[] owners)
    {
        Backends = backends;
        Generation = generation;
        Points = points;
        Owners = owners;
    }

    public LoadBalancedBackend[] Backends { get; }

    public int Generation { get; }

    /// <summary>Ring positions, ascending.</summary>
    public ulong[] Points { get; }

    /// <summary>Backend index owning the point at the same position.</summary>
    public int[] Owners { get; }

    public bool IsCurrentFor(LoadBalancedBackend[] backends, int generation) =>
        ReferenceEquals(Backends, backends) && Generation == generation;

    /// <summary>Position of the first point at or after <paramref name="hash"/>, wrapping to 0.</summary>
    public int Locate(ulong hash)
    {
        var position = Array.BinarySearch(Points, hash);
        if (position < 0) position = ~position;
        return position == Points.Length ? 0 : position;
    }

    public static HashRing Build(LoadBalancedBackend[] backends, int generation)
    {
        var count = 0;
        for (var i = 0; i < backends.Length; i++) count += PointCount(backends[i]);

        var points = new ulong[count];
        var owners = new int[count];
        var next = 0;
        for (var i = 0; i < backends.Length; i++)
        {
            var pointCount = PointCount(backends[i]);
            if (pointCount == 0) continue;
            var seed = StableHash.Hash(backends[i].Address);
            for (var k = 0; k < pointCount; k++)
            {
                // Deriving points from the address hash (not from the backend's index) keeps them stable when
                // the array is reordered or other backends come and go.
                points[next] = StableHash.Mix(seed + (ulong)(k + 1) * GoldenGamma);
                owners[next] = i;
                next++;
            }
        }
        Array.Sort(points, owners);
        return new HashRing(backends, generation, points, owners);
    }

    private static int PointCount(LoadBalancedBackend backend) =>
        backend.Available ? Math.Min(backend.Weight, MaxEffectiveWeight) * PointsPerWeight : 0;
}
