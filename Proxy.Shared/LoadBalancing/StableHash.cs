namespace Proxy.Shared.LoadBalancing;

/// <summary>
/// A 64-bit string hash that is identical in every process and on every platform, so all nodes of the
/// cluster put a key on the same backend. <see cref="string.GetHashCode()"/> is randomized per process, and
/// System.IO.Hashing (XxHash64) is not a referenced package, hence FNV-1a written out here.
/// </summary>
internal static class StableHash
{
    private const ulong FnvOffsetBasis = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    /// <summary>FNV-1a over the UTF-16LE bytes of <paramref name="value"/>, then <see cref="Mix"/>.</summary>
    public static ulong Hash(string value)
    {
        var hash = FnvOffsetBasis;
        foreach (var c in value)
        {
            hash = (hash ^ (byte)c) * FnvPrime;
            hash = (hash ^ (byte)(c >> 8)) * FnvPrime;
        }
        // FNV-1a's high bits barely change between keys that differ in their last character; ring positions
        // are compared as whole numbers, so the result needs a full avalanche.
        return Mix(hash);
    }

    /// <summary>MurmurHash3's 64-bit finalizer: every input bit affects every output bit.</summary>
    public static ulong Mix(ulong value)
    {
        value ^= value >> 33;
        value *= 0xff51afd7ed558ccd;
        value ^= value >> 33;
        value *= 0xc4ceb9fe1a85ec53;
        value ^= value >> 33;
        return value;
    }
}
