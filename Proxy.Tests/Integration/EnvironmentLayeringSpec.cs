using System.Net;
using System.Net.Http.Headers;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>Issue 21, point 1, as an operator meets it: a node process started with a minimal config file of the
/// user's own (no <c>${?VAR}</c> lines) and the named variables in its environment uses them.</summary>
public sealed class EnvironmentLayeringSpec
{
    [Fact]
    public async Task AMinimalFile_WithProxyAdminTokenAndProxyDataDir_UsesBoth()
    {
        var dataDir = Directory.CreateTempSubdirectory("proxy-env-data-").FullName;
        try
        {
            await using var backend = new RawBackend();
            var (port, admin) = (PortFinder.Free(), PortFinder.Free());
            await using var node = NodeProcess.Start($$"""
                proxy {
                  listeners = [ { name = public, address = "127.0.0.1:{{port}}" } ]
                  admin { address = "127.0.0.1:{{admin}}" }
                  pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
                  routes = [ { name = default, pool = main } ]
                }
                """, new Dictionary<string, string> { ["PROXY_ADMIN_TOKEN"] = "env-token-4711", ["PROXY_DATA_DIR"] = dataDir },
                workingDirectory: dataDir); // (without one, NodeProcess sets PROXY__DATA_DIR, which would win)
            await node.WaitReadyAsync(admin, TimeSpan.FromSeconds(60));

            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"http://127.0.0.1:{admin}/api/pools")).StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{admin}/api/pools");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "env-token-4711");
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
            Assert.True(File.Exists(Path.Combine(dataDir, "proxy.db")), "the journal is in PROXY_DATA_DIR");
            Assert.DoesNotContain("env-token-4711", node.Stdout + node.Stderr); // a secret never reaches the logs
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
