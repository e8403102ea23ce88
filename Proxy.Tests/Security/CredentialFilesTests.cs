using System.Net;
using System.Security.Cryptography;
using System.Text;
using Proxy.Shared.Security;
using Xunit;

namespace Proxy.Tests.Security;

/// <summary>E7's files and address lists: what they accept, what they refuse (with the line, never the line's text).</summary>
public sealed class CredentialFilesTests
{
    private static string Sha256Line(string key) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    [Fact]
    public void AKeysFile_AcceptsExactlyItsKeys()
    {
        Assert.True(ApiKeyFile.TryParse($"# team A\n{Sha256Line("alpha-key")}\n\n  {Sha256Line("beta-key").ToUpperInvariant().Replace("SHA256", "sha256")}  \n",
            out var keys, out var error), error);
        Assert.Equal(2, keys.Count);
        Assert.True(keys.Accepts("alpha-key"));
        Assert.True(keys.Accepts("beta-key"));
        Assert.False(keys.Accepts("alpha-key "));
        Assert.False(keys.Accepts(""));
        Assert.False(keys.Accepts(new string('k', 10_000)));
    }

    [Theory]
    [InlineData("my-secret-key", "line 1: expected sha256: and 64 hex digits (the SHA-256 of a key, not the key)")]
    [InlineData("# ok\nsha256:abcd", "line 2: expected sha256: and 64 hex digits (the SHA-256 of a key, not the key)")]
    [InlineData("sha256:zz00000000000000000000000000000000000000000000000000000000000000", "line 1: expected sha256: and 64 hex digits (the SHA-256 of a key, not the key)")]
    public void AKeysFileMistake_NamesTheLine_WithoutItsText(string text, string expected)
    {
        Assert.False(ApiKeyFile.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void AUsersFileLine_VerifiesItsPasswordOnly()
    {
        var line = BasicUsersFile.Line("alice", "correct horse", iterations: BasicUsersFile.MinIterations);
        Assert.StartsWith("alice:pbkdf2-sha256$10000$", line);
        Assert.True(BasicUsersFile.TryParse("# staff\n" + line + "\n", out var users, out var error), error);
        Assert.True(users.Verify("alice", "correct horse"));
        Assert.False(users.Verify("alice", "correct horse "));
        Assert.False(users.Verify("bob", "correct horse"));
        // Two lines for the same password differ (fresh salt).
        Assert.NotEqual(line, BasicUsersFile.Line("alice", "correct horse", iterations: BasicUsersFile.MinIterations));
    }

    [Theory]
    [InlineData("alice", "line 1: expected name:pbkdf2-sha256$ITERATIONS$SALT$HASH")]
    [InlineData("alice:plain-password", "line 1 (user 'alice'): expected pbkdf2-sha256$ITERATIONS$SALT$HASH with base64 salt (8+ bytes) and hash (16+ bytes)")]
    [InlineData("alice:pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "line 1 (user 'alice'): 1000 iterations are too few (at least 10000)")]
    public void AUsersFileMistake_NamesTheLine(string text, string expected)
    {
        Assert.False(BasicUsersFile.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void AUserListedTwice_IsAMistake()
    {
        var line = BasicUsersFile.Line("alice", "pw", iterations: BasicUsersFile.MinIterations);
        Assert.False(BasicUsersFile.TryParse(line + "\n" + line, out _, out var error));
        Assert.Equal("line 2: user 'alice' is listed twice", error);
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.200.1.1", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.0.2.7", "192.0.2.7", true)]
    [InlineData("192.0.2.7", "192.0.2.8", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)] // IPv4 written as IPv6 is tested as IPv4
    [InlineData("fd00::/8", "fd12::1", true)]
    [InlineData("fd00::/8", "10.0.0.1", false)]
    public void AnAddressList_ContainsWhatItsEntriesCover(string entry, string address, bool expected) =>
        Assert.Equal(expected, AddressList.Create([entry]).Contains(IPAddress.Parse(address)));

    [Theory]
    [InlineData("10.0.0.1/8", "'10.0.0.1/8' is not a valid CIDR (expected e.g. 10.0.0.0/8 or fd00::/8, with the host bits zero)")]
    [InlineData("example.com", "'example.com' is not an address or a CIDR (expected e.g. 10.0.0.0/8, 192.0.2.7 or fd00::/8)")]
    public void AnAddressListEntry_ThatIsNotOne_SaysWhy(string entry, string expected)
    {
        Assert.False(AddressList.IsValidEntry(entry, out var error));
        Assert.Equal(expected, error);
    }
}
