using System.Security.Cryptography;
using System.Text;

namespace Proxy.Shared.Security;

/// <summary>
/// A configured bearer token (the admin API's, a cache route's purge-token), kept as its SHA-256 digest: a presented
/// token is compared digest to digest in constant time, so neither its content nor its length leaks through timing, and
/// the token itself is never kept in the clear to be logged or echoed.
/// </summary>
public sealed class BearerToken(string token)
{
    /// <summary>The scheme prefix of an <c>Authorization</c> value that carries one.</summary>
    public const string Scheme = "Bearer ";

    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public bool Matches(ReadOnlySpan<char> presented)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented.ToArray()), digest);
        return CryptographicOperations.FixedTimeEquals(digest, _expected);
    }
}
