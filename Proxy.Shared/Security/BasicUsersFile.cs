using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Proxy.Shared.Security;

/// <summary>
/// E7: the users of HTTP Basic authentication (RFC 7617), one per line as <c>name:pbkdf2-sha256$ITERATIONS$SALT$HASH</c>
/// (salt and hash in base64; <c>Proxy.Node hash-password NAME</c> writes such a line); <c>#</c> comments and blank
/// lines are ignored. PBKDF2 is what .NET ships (no bcrypt/argon2 in the base library or the registry's packages).
/// </summary>
public sealed class BasicUsersFile
{
    public const string Scheme = "pbkdf2-sha256";

    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>Fewer iterations than this are refused: such a hash is too cheap to guess.</summary>
    public const int MinIterations = 10_000;

    private readonly Dictionary<string, User> _users;

    private BasicUsersFile(Dictionary<string, User> users) => _users = users;

    public int Count => _users.Count;

    private sealed record User(int Iterations, byte[] Salt, byte[] Hash);

    public static bool TryParse(string text, [NotNullWhen(true)] out BasicUsersFile? users, [NotNullWhen(false)] out string? error)
    {
        var result = new Dictionary<string, User>(StringComparer.Ordinal);
        var lineNumber = 0;
        users = null;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var at = "line " + lineNumber.ToString(CultureInfo.InvariantCulture);
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                error = $"{at}: expected name:{Scheme}$ITERATIONS$SALT$HASH";
                return false;
            }
            var name = line[..colon];
            var parts = line[(colon + 1)..].Split('$');
            if (parts.Length != 4 || parts[0] != Scheme ||
                !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) ||
                !TryBase64(parts[2], out var salt) || !TryBase64(parts[3], out var hash) || salt.Length < 8 || hash.Length < 16)
            {
                error = $"{at} (user '{name}'): expected {Scheme}$ITERATIONS$SALT$HASH with base64 salt (8+ bytes) and hash (16+ bytes)";
                return false;
            }
            if (iterations < MinIterations)
            {
                error = $"{at} (user '{name}'): {iterations} iterations are too few (at least {MinIterations})";
                return false;
            }
            if (!result.TryAdd(name, new User(iterations, salt, hash)))
            {
                error = $"{at}: user '{name}' is listed twice";
                return false;
            }
        }
        users = new BasicUsersFile(result);
        error = null;
        return true;
    }

    /// <summary>Whether the password is that user's. Costs the PBKDF2 iterations (also for an unknown user, so the
    /// time does not tell which names exist).</summary>
    public bool Verify(string name, string password)
    {
        var known = _users.TryGetValue(name, out var user);
        user ??= Decoy;
        var derived = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), user.Salt, user.Iterations,
            HashAlgorithmName.SHA256, user.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(derived, user.Hash) && known;
    }

    private static readonly User Decoy = new(DefaultIterations, new byte[16], new byte[32]);

    /// <summary>A users-file line for <paramref name="name"/> with a fresh random salt.</summary>
    public static string Line(string name, string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return $"{name}:{Scheme}${iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, bytes, out var written)) return false;
        bytes = bytes[..written];
        return true;
    }
}
