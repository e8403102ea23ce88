using Proxy.Shared.LoadBalancing;

namespace Proxy.Shared.Caching;

/// <summary>
/// Which member owns a cache key: rendezvous (highest random weight) hashing over the members, so every node that sees
/// the same members picks the same owner without asking anyone, and a member that joins or leaves moves only the keys it
/// gains or held (about 1/N of them), never the others. The members' order does not matter. Immutable: a membership
/// change builds a new ring.
/// </summary>
/// <typeparam name="T">What a member is to its user (the node's way to reach it).</typeparam>
public sealed class CacheOwnerRing<T>
{
    private readonly (ulong Hash, T Member)[] _members;

    public static readonly CacheOwnerRing<T> Empty = new([]);

    /// <param name="members">Each member by a name that is the same on every node (its cluster address).</param>
    public CacheOwnerRing(IEnumerable<(string Id, T Member)> members)
    {
        _members = members.Select(m => (StableHash.Hash(m.Id), m.Member)).ToArray();
        Ids = members.Select(m => m.Id).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The members' names, in ordinal order.</summary>
    public IReadOnlyList<string> Ids { get; }

    public int Count => _members.Length;

    /// <summary>The member that owns <paramref name="key"/>; false when the ring has no member.</summary>
    public bool TryGetOwner(string key, out T owner)
    {
        owner = default!;
        if (_members.Length == 0) return false;
        var keyHash = StableHash.Hash(key);
        var best = 0UL;
        var found = false;
        foreach (var (hash, member) in _members)
        {
            // The key's weight at each member: a full mix of both hashes, so no member is favoured for related keys.
            var weight = StableHash.Mix(keyHash ^ hash);
            if (found && weight <= best) continue;
            best = weight;
            owner = member;
            found = true;
        }
        return true;
    }
}
