using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Proxy.Shared.Security;

/// <summary>
/// E7: the API keys a route accepts, read from a file that holds no key itself: one <c>sha256:</c> and the hex SHA-256
/// of a key per line (<c>printf %s "$KEY" | sha256sum</c>); <c>#</c> comments and blank lines are ignored. A key a
/// client presents is hashed and compared with every entry in constant time.
/// </summary>
public sealed class ApiKeyFile
{
    private readonly byte[][] _hashes;

    private ApiKeyFile(byte[][] hashes) => _hashes = hashes;

    public int Count => _hashes.Length;

    public static bool TryParse(string text, [NotNullWhen(true)] out ApiKeyFile? keys, [NotNullWhen(false)] out string? error)
    {
        var hashes = new List<byte[]>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (!line.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) || line.Length != 7 + 64 ||
                !TryHex(line.AsSpan(7), out var hash))
            {
                keys = null;
                // The line is not echoed: it may be a key written in clear by mistake.
                error = $"line {lineNumber.ToString(CultureInfo.InvariantCulture)}: expected sha256: and 64 hex digits (the SHA-256 of a key, not the key)";
                return false;
            }
            hashes.Add(hash);
        }
        keys = new ApiKeyFile([.. hashes]);
        error = null;
        return true;
    }

    /// <summary>Whether <paramref name="presented"/> is one of the keys; the time taken does not depend on which entry
    /// (or how much of one) matched.</summary>
    public bool Accepts(string presented)
    {
        Span<byte> hash = stackalloc byte[32];
        var length = Encoding.UTF8.GetByteCount(presented);
        var bytes = length <= 256 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(presented, bytes);
        SHA256.HashData(bytes, hash);
        var found = false;
        foreach (var entry in _hashes) found |= CryptographicOperations.FixedTimeEquals(entry, hash);
        return found;
    }

    private static bool TryHex(ReadOnlySpan<char> hex, out byte[] bytes)
    {
        bytes = new byte[hex.Length / 2];
        return Convert.FromHexString(hex, bytes, out _, out var written) == System.Buffers.OperationStatus.Done &&
               written == bytes.Length;
    }
}
