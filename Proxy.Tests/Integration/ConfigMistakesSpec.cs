using System.Net;
using System.Net.Sockets;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>
/// Issue 22: mistakes a user makes, each refused at start by a real node process with exit code 2 and a line that
/// names the setting (config path or environment variable) — instead of a value guessed, a setting ignored, or
/// "failed to start: Address already in use" with exit 1. <c>TAKEN</c> stands for a loopback port another socket holds.
/// </summary>
public class ConfigMistakesSpec
{
    private const string Listener = """listeners = [ { name = public, address = "127.0.0.1:0" } ]""";
    private const string Pool = """pools { api { backends = [ "127.0.0.1:9" ] } }""";
    private const string Route = "routes = [ { name = r, pool = api } ]";

    public static TheoryData<string, string, string, string> Cases() => new()
    {
        // case, proxy { } body (without listeners/pools/routes unless it replaces them), environment (NAME=value;…), expected line
        { "duration without a unit", "timeouts { request-head = 10 }", "", "proxy.timeouts.request-head: '10' has no unit: add a unit: 10s, 10ms" },
        { "hash-key without consistent-hash", """pools { api { policy = least-requests, backends = [ "127.0.0.1:9" ], hash-key = client-ip } }""", "",
            "proxy.pools.api.hash-key: hash-key is used only by policy = consistent-hash (this pool's policy is least-requests)" },
        { "malformed host pattern", """routes = [ { name = r, match { host = "api.example.com:http" }, pool = api } ]""", "",
            "proxy.routes[0].match.host: expected a host, '*.example.com' or either with a port (api.example.com:8080), got 'api.example.com:http'" },
        { "strip-prefix the route does not match", """routes = [ { name = r, pool = api, transforms { strip-prefix = "/api" } } ]""", "",
            "proxy.routes[0].transforms.strip-prefix: strip-prefix '/api' needs the route to match it: give the route match { path-prefix = \"/api/\" } (or a path or path-prefix under it)" },
        { "sample ratio over 1", "tracing { sample-ratio = 2 }", "", "proxy.tracing.sample-ratio: expected a ratio from 0 to 1 (or 0% to 100%), got 2" },
        { "OTLP endpoint without a scheme", "tracing { otlp-endpoint = \"collector:4318\" }", "",
            "proxy.tracing.otlp-endpoint: expected an http:// or https:// address like http://collector:4318, got 'collector:4318'" },
        { "metrics switch misspelt", "metrics { enabled = maybe }", "", "proxy.metrics.enabled: expected on or off, got 'maybe'" },
        { "seed without a port", "", "PROXY_SEEDS=127.0.0.1", "PROXY_SEEDS: '127.0.0.1' is not host:port" },
        { "remoting port with a typo", "", "PROXY_PORT=36053x", "PROXY_PORT: '36053x' is not a port (0-65535)" },
        { "override that is not host:port", "", "PROXY__ADMIN__ADDRESS=nowhere", "PROXY__ADMIN__ADDRESS: expected host:port, got 'nowhere'" },
        { "listener port in use", """listeners = [ { name = public, address = "127.0.0.1:TAKEN" } ]""", "",
            "proxy.listeners[0].address: 127.0.0.1:TAKEN: address already in use" },
        { "admin port in use", """admin { address = "127.0.0.1:TAKEN" }""", "", "proxy.admin.address: 127.0.0.1:TAKEN: address already in use" },
        { "demo backend port in use", "demo-backend = \"127.0.0.1:TAKEN\"", "", "proxy.demo-backend: 127.0.0.1:TAKEN: address already in use" },
        { "remoting port in use", "", "PROXY_PORT=TAKEN", "PROXY_PORT: 127.0.0.1:TAKEN (cluster remoting): address already in use" },
        { "cache listener port in use", "cache-cluster { address = \"127.0.0.1:TAKEN\" }", "",
            "proxy.cache-cluster.address: 127.0.0.1:TAKEN: address already in use" },
        { "cache owner timeout of zero", "cache-cluster { owner-timeout = 0s }", "",
            "proxy.cache-cluster.owner-timeout: must be above 0 (the wait for the owner's response head)" },
        { "access log under a file", "access-log { enabled = on, target = \"FILE/access.log\" }", "",
            "proxy.access-log.target: FILE/access.log: " },
        { "data dir under a file", "", "PROXY__DATA_DIR=FILE/data", "proxy.data-dir: FILE/data/proxy.db: " },
        { "redis option the client does not know",
            "redis = \"127.0.0.1:6379,retries=3\"\n  rate-limits = [ { name = l, key = client-ip, rate = \"10/s\", store = redis } ]", "",
            "proxy.redis: Keyword 'retries' is not supported." },
        { "plus-equals on a block", "admin += x", "", "'proxy.admin +=' appends to a list, but proxy.admin is not a list" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AMistake_StopsTheNodeWithExitCode2_NamingTheSetting(string name, string body, string environment, string expected)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var config = $$"""
            proxy {
              {{(body.Contains("listeners =") ? "" : Listener)}}
              admin { address = "127.0.0.1:0" }
              {{(body.Contains("pools {") ? "" : Pool)}}
              {{(body.Contains("routes =") ? "" : Route)}}
              {{body.Replace("TAKEN", port)}}
            }
            """;
        var env = environment.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1].Replace("TAKEN", port));

        var file = Path.GetTempFileName(); // "FILE": a path under a regular file can never be created, even by root
        config = config.Replace("FILE", file);
        foreach (var key in env.Keys.ToList()) env[key] = env[key].Replace("FILE", file);
        expected = expected.Replace("FILE", file);

        await using var node = NodeProcess.Start(config, env);
        Assert.True(await node.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 2, $"{name}: expected exit code 2\n{node.Stderr}");
        Assert.True(node.Stderr.Contains(expected.Replace("TAKEN", port), StringComparison.Ordinal),
            $"{name}: expected the line\n  {expected.Replace("TAKEN", port)}\ngot:\n{node.Stderr}");
        Assert.False(node.Stderr.Contains("   at ", StringComparison.Ordinal), $"{name}: a stack trace before the message\n{node.Stderr}");
    }
}
