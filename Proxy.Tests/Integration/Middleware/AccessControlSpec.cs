using System.Security.Cryptography;
using System.Text;
using Proxy.Shared.Security;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Middleware;

/// <summary>E7 through a real listener and backend: address rules (with X-Forwarded-For believed only from trusted
/// proxies), API keys and Basic users from files (re-read when they change; the credentials never reach the backend),
/// and the security header fields.</summary>
public sealed class AccessControlSpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("proxy-auth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string KeyLine(string key) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static Task<Proxy.Node.Hosting.ProxyNode> Node(RawBackend backend, string routeExtra, string extra = "") =>
        TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            defaults { request-id { enabled = off } }
            routes = [ { name = r, pool = main, {{routeExtra}} } ]
            {{extra}}
            """);

    private static async Task<string> Send(Proxy.Node.Hosting.ProxyNode node, string headers = "")
    {
        using var client = new RawClient(node.Public());
        client.Send($"GET /x HTTP/1.1\r\nHost: x\r\n{headers}\r\n");
        return await client.ReadResponsesAsync(1, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task DenyWins_AndAnAllowListAdmitsOnlyItself()
    {
        await using var backend = new RawBackend();
        await using (var denied = await Node(backend, """access { allow = [ "127.0.0.0/8" ], deny = [ "127.0.0.1" ] }"""))
            Assert.StartsWith("HTTP/1.1 403 Forbidden", await Send(denied));
        await using (var outside = await Node(backend, """access { allow = [ "10.0.0.0/8" ] }"""))
        {
            var response = await Send(outside);
            Assert.StartsWith("HTTP/1.1 403", response);
            Assert.EndsWith("403 Forbidden: client address not allowed\n", response);
        }
        await using (var inside = await Node(backend, """access { allow = [ "127.0.0.0/8" ], deny = [ "10.0.0.0/8" ] }"""))
            Assert.StartsWith("HTTP/1.1 200", await Send(inside));
        Assert.Single(backend.Requests);
    }

    [Fact]
    public async Task XForwardedFor_DecidesOnlyWhenThePeerIsATrustedProxy()
    {
        await using var backend = new RawBackend();
        await using (var trusting = await Node(backend, """access { deny = [ "203.0.113.0/24" ], trusted-proxies = [ "127.0.0.1", "10.0.0.0/8" ] }"""))
        {
            // The client is the last address that is not a trusted proxy: 203.0.113.9 behind 10.1.1.1.
            Assert.StartsWith("HTTP/1.1 403", await Send(trusting, "X-Forwarded-For: 198.51.100.1, 203.0.113.9, 10.1.1.1\r\n"));
            // A client that prepends an address cannot hide behind it.
            Assert.StartsWith("HTTP/1.1 403", await Send(trusting, "X-Forwarded-For: 198.51.100.1\r\nX-Forwarded-For: 203.0.113.9\r\n"));
            Assert.StartsWith("HTTP/1.1 200", await Send(trusting, "X-Forwarded-For: 203.0.113.9, 198.51.100.1\r\n"));
            Assert.StartsWith("HTTP/1.1 403", await Send(trusting, "X-Forwarded-For: not-an-address\r\n"));
        }
        await using (var untrusting = await Node(backend, """access { deny = [ "203.0.113.0/24" ] }"""))
            Assert.StartsWith("HTTP/1.1 200", await Send(untrusting, "X-Forwarded-For: 203.0.113.9\r\n"));
    }

    [Fact]
    public async Task ApiKeys_AreChecked_NeverForwarded_AndTheFileIsReadAgainWhenItChanges()
    {
        var keys = WriteFile("keys.txt", "# clients\n" + KeyLine("key-one") + "\n");
        await using var backend = new RawBackend();
        await using var node = await Node(backend, $$"""auth { api-keys { keys-file = "{{keys}}" } }""");

        var missing = await Send(node);
        Assert.StartsWith("HTTP/1.1 401", missing);
        Assert.Contains("\r\nWWW-Authenticate: ApiKey header=\"X-Api-Key\"\r\n", missing);
        Assert.StartsWith("HTTP/1.1 401", await Send(node, "X-Api-Key: key-two\r\n"));
        Assert.StartsWith("HTTP/1.1 401", await Send(node, "X-Api-Key: key-one\r\nX-Api-Key: key-one\r\n"));
        Assert.StartsWith("HTTP/1.1 200", await Send(node, "X-Api-Key: key-one\r\n"));
        Assert.Null(Assert.Single(backend.Requests).Header("X-Api-Key"));

        File.WriteAllText(keys, KeyLine("key-two") + "\n");
        File.SetLastWriteTimeUtc(keys, DateTime.UtcNow.AddSeconds(5)); // a new stamp even on a coarse clock
        await Eventually.Holds(async () => (await Send(node, "X-Api-Key: key-two\r\n")).StartsWith("HTTP/1.1 200"),
            TimeSpan.FromSeconds(10), "the changed keys file is used");
        Assert.StartsWith("HTTP/1.1 401", await Send(node, "X-Api-Key: key-one\r\n"));

        // A change that cannot be used keeps the keys in force.
        File.WriteAllText(keys, "key-three\n");
        File.SetLastWriteTimeUtc(keys, DateTime.UtcNow.AddSeconds(10));
        await Task.Delay(ReloadDelay);
        Assert.StartsWith("HTTP/1.1 200", await Send(node, "X-Api-Key: key-two\r\n"));
    }

    private static readonly TimeSpan ReloadDelay = TimeSpan.FromSeconds(2.5);

    [Fact]
    public async Task BasicUsers_AreChecked_AndTheirCredentialsDoNotGoUpstream()
    {
        var users = WriteFile("users.txt", BasicUsersFile.Line("alice", "s3cret", iterations: BasicUsersFile.MinIterations) + "\n");
        await using var backend = new RawBackend();
        await using var node = await Node(backend, $$"""auth { basic { realm = "staff", users-file = "{{users}}" } }""");
        static string Basic(string credentials) => "Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)) + "\r\n";

        var challenge = await Send(node);
        Assert.StartsWith("HTTP/1.1 401", challenge);
        Assert.Contains("\r\nWWW-Authenticate: Basic realm=\"staff\", charset=\"UTF-8\"\r\n", challenge);
        Assert.StartsWith("HTTP/1.1 401", await Send(node, Basic("alice:wrong")));
        Assert.StartsWith("HTTP/1.1 401", await Send(node, Basic("bob:s3cret")));
        Assert.StartsWith("HTTP/1.1 401", await Send(node, "Authorization: Basic !!!\r\n"));
        Assert.StartsWith("HTTP/1.1 200", await Send(node, Basic("alice:s3cret")));
        Assert.StartsWith("HTTP/1.1 200", await Send(node, Basic("alice:s3cret"))); // remembered
        Assert.All(backend.Requests, r => Assert.Null(r.Header("Authorization")));
        Assert.Equal(2, backend.Requests.Count);
    }

    [Fact]
    public async Task SecurityHeaders_AreAdded_WithoutOverridingTheBackends()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("ok", "X-Frame-Options: SAMEORIGIN\r\n"));
        await using var node = await TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            defaults { security-headers = on }
            routes = [ { name = r, pool = main, match { path-prefix = "/x" } } ]
            """);
        var relayed = await Send(node);
        Assert.Contains("\r\nX-Content-Type-Options: nosniff\r\n", relayed);
        Assert.Contains("\r\nReferrer-Policy: no-referrer\r\n", relayed);
        Assert.Contains("\r\nX-Frame-Options: SAMEORIGIN\r\n", relayed);
        Assert.DoesNotContain("X-Frame-Options: DENY", relayed);
        Assert.DoesNotContain("Strict-Transport-Security", relayed); // plain HTTP: no HSTS

        using var client = new RawClient(node.Public());
        client.Send("GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n");
        var notFound = await client.ReadResponsesAsync(1, TimeSpan.FromSeconds(5));
        Assert.StartsWith("HTTP/1.1 404", notFound);
        Assert.Contains("\r\nX-Frame-Options: DENY\r\n", notFound);
    }
}
