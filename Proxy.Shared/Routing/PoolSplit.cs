using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;

namespace Proxy.Shared.Routing;

/// <summary>
/// R2: a route's weighted split over pools (canary releases). With a key (a header, a cookie or the client address) a
/// request lands where the key's stable hash falls on the weights, so the same key keeps its pool on every node and
/// across restarts while the weights stay; without one each request is drawn independently.
/// </summary>
public sealed class PoolSplit
{
    private readonly string[] _pools;
    private readonly int[] _upTo;
    private readonly int _total;

    public PoolSplit(IReadOnlyList<SplitTarget> targets, HashKeySettings? key)
    {
        _pools = new string[targets.Count];
        _upTo = new int[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            _total += targets[i].Weight;
            _pools[i] = targets[i].Pool;
            _upTo[i] = _total;
        }
        if (_total <= 0) throw new ArgumentException("a split needs a positive total weight", nameof(targets));
        Key = key;
    }

    /// <summary>What keeps a request on its pool; null: none (each request is drawn).</summary>
    public HashKeySettings? Key { get; }

    /// <summary>The pool for a request whose key is <paramref name="key"/> (null: none, or the request lacks it).</summary>
    public string Choose(string? key)
    {
        var point = key is null ? Random.Shared.Next(_total) : (int)(StableHash.Hash(key) % (ulong)_total);
        for (var i = 0; i < _upTo.Length; i++)
            if (point < _upTo[i]) return _pools[i];
        return _pools[^1];
    }
}
