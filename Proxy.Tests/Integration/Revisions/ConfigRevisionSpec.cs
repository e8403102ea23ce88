using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Proxy.Node.Hosting;
using Proxy.Node.Revisions;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Revisions;

/// <summary>
/// Issue 13 part 3 (O6, O2) on one node: a config revision through the admin API is checked, stored, pushed and applied
/// live (routes and pools change for the next request on the same connection), refused whole when it is bad or needs a
/// restart, rolled back, shown with its secrets redacted, and kept across a restart of the node.
/// </summary>
public sealed class ConfigRevisionSpec
{
    private const string Token = "revision-spec-token-7c2";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static string Body(int backendPort, string extra = "") => $$"""
        admin { token = "{{Token}}" }
        pools { main { backends = [ "127.0.0.1:{{backendPort}}" ] } }
        routes = [ { name = default, pool = main } ]
        {{extra}}
        """;

    private sealed class Admin(ProxyNode node) : IDisposable
    {
        private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{node.Admin.Port}"),
            DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", Token) },
        };

        public async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string path, string? text = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (text is not null) request.Content = new StringContent(text, Encoding.UTF8, "text/plain");
            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, JsonDocument.Parse(body.Length == 0 ? "{}" : body).RootElement.Clone());
        }

        public Task<(HttpStatusCode Status, JsonElement Body)> Apply(string text) => Send(HttpMethod.Post, "/api/config/apply", text);

        public async Task<string> Metrics() => await _http.GetStringAsync("/metrics");

        public async Task<bool> Ready() => (await _http.GetAsync("/ready")).IsSuccessStatusCode;

        public void Dispose() => _http.Dispose();
    }

    private static async Task<string> Get(RawClient client)
    {
        client.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
        return await client.ReadResponsesAsync(1, Wait);
    }

    [Fact]
    public async Task ARevision_ChangesThePool_ForTheNextRequestOnTheSameConnection_AndEveryFigureShowsIt()
    {
        await using var a = new RawBackend(_ => RawBackend.Ok("from-a"));
        await using var b = new RawBackend(_ => RawBackend.Ok("from-b"));
        var dataDir = TestDataDirectory.Create();
        await using var node = await TestNode.StartAsync(Body(a.Port), dataDir: dataDir);
        using var admin = new Admin(node);
        await Eventually.Holds(admin.Ready, Wait, "the node ready on its own file (no revision yet)");
        using var client = new RawClient(node.Public());
        Assert.EndsWith("from-a", await Get(client));

        var (status, body) = await admin.Apply(TestNode.Hocon(Body(b.Port), null, dataDir));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("revision").GetInt64());
        Assert.True(body.GetProperty("complete").GetBoolean());
        var member = Assert.Single(body.GetProperty("members").EnumerateArray());
        Assert.Equal("current", member.GetProperty("state").GetString());
        // The JSON shapes pbm --json prints, locked.
        Assert.Equal(["revision", "complete", "members"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["node", "running", "state", "revision", "problems"], member.EnumerateObject().Select(p => p.Name));
        Assert.EndsWith("from-b", await Get(client)); // same connection, new revision
        Assert.Equal(1, b.Connections);

        var (_, state) = await admin.Send(HttpMethod.Get, "/api/config/status");
        Assert.Equal(1, state.GetProperty("latest").GetInt64());
        Assert.Empty(state.GetProperty("drift").EnumerateArray());
        Assert.Equal(["latest", "members", "drift"], state.EnumerateObject().Select(p => p.Name));
        var (_, nodeStatus) = await admin.Send(HttpMethod.Get, "/api/status");
        Assert.Superset(new HashSet<string> { "node", "version", "uptimeSeconds", "ready", "revision", "latestRevision", "listeners", "members" },
            nodeStatus.EnumerateObject().Select(p => p.Name).ToHashSet());
        Assert.Equal(1, nodeStatus.GetProperty("revision").GetInt64());
        Assert.Equal(1, nodeStatus.GetProperty("listeners")[0].GetProperty("connections").GetInt32());
        Assert.Contains("proxy_config_revision 1", await admin.Metrics());
        Assert.True(await admin.Ready());
    }

    [Fact]
    public async Task ABadRevision_IsRefusedWithEveryProblem_AndTheRunningOneKeepsServing()
    {
        await using var a = new RawBackend(_ => RawBackend.Ok("from-a"));
        var dataDir = TestDataDirectory.Create();
        await using var node = await TestNode.StartAsync(Body(a.Port), dataDir: dataDir);
        using var admin = new Admin(node);
        await Eventually.Holds(admin.Ready, Wait, "the node ready");

        var broken = TestNode.Hocon(Body(a.Port).Replace("pool = main", "pool = nowhere") + "\ntimeouts { idle = soon }", null, dataDir);
        var (verify, problems) = await admin.Send(HttpMethod.Post, "/api/config/verify", broken);
        var (apply, refused) = await admin.Apply(broken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, verify);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, apply);
        var paths = refused.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("path").GetString()).ToList();
        Assert.Contains("proxy.routes[0].pool", paths);
        Assert.Contains("proxy.timeouts.idle", paths);
        Assert.Equal(problems.GetProperty("problems").GetArrayLength(), refused.GetProperty("problems").GetArrayLength());
        var (_, state) = await admin.Send(HttpMethod.Get, "/api/config/status");
        Assert.Equal(0, state.GetProperty("latest").GetInt64()); // nothing stored
        using var client = new RawClient(node.Public());
        Assert.EndsWith("from-a", await Get(client));
        var (ok, fine) = await admin.Send(HttpMethod.Post, "/api/config/verify", TestNode.Hocon(Body(a.Port), null, dataDir));
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.True(fine.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task AChangeThatNeedsARestart_IsRefused_NamingWhatChanged()
    {
        await using var a = new RawBackend();
        var dataDir = TestDataDirectory.Create();
        await using var node = await TestNode.StartAsync(Body(a.Port), dataDir: dataDir);
        using var admin = new Admin(node);

        var (status, body) = await admin.Apply(TestNode.Hocon(Body(a.Port, """
            persistence { provider = sqlite }
            metrics { enabled = off }
            tcp-routes = [ { name = raw, listen = "127.0.0.1:0", pool = main } ]
            """), null, dataDir) + "\nakka.remote.dot-netty.tcp.maximum-frame-size = 8MB");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var problems = body.GetProperty("problems").EnumerateArray()
            .ToDictionary(p => p.GetProperty("path").GetString()!, p => p.GetProperty("message").GetString()!);
        Assert.Contains("restart", problems["proxy.tcp-routes"]);
        Assert.Contains("restart", problems["proxy.metrics"]);
        Assert.Contains("cluster's own settings", problems["proxy.persistence"]);
        Assert.Contains("cluster's own settings", problems["akka.remote"]);
    }

    [Fact]
    public async Task ARollback_StoresTheOldTextAsTheNextRevision_AndShowRedactsSecrets()
    {
        await using var a = new RawBackend(_ => RawBackend.Ok("from-a"));
        await using var b = new RawBackend(_ => RawBackend.Ok("from-b"));
        var dataDir = TestDataDirectory.Create();
        await using var node = await TestNode.StartAsync(Body(a.Port), dataDir: dataDir);
        using var admin = new Admin(node);
        using var client = new RawClient(node.Public());

        Assert.Equal(HttpStatusCode.OK, (await admin.Apply(TestNode.Hocon(Body(b.Port), null, dataDir))).Status);
        Assert.Equal(HttpStatusCode.OK, (await admin.Apply(TestNode.Hocon(Body(a.Port), null, dataDir))).Status);
        Assert.EndsWith("from-a", await Get(client));
        var (status, rolled) = await admin.Send(HttpMethod.Post, "/api/config/rollback?revision=1");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, rolled.GetProperty("revision").GetInt64());
        Assert.EndsWith("from-b", await Get(client));
        var (_, shown) = await admin.Send(HttpMethod.Get, "/api/config?revision=3");
        Assert.Contains("rollback to 1", shown.GetProperty("source").GetString());
        Assert.Contains($"127.0.0.1:{b.Port}", shown.GetProperty("text").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Send(HttpMethod.Post, "/api/config/rollback?revision=9")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Send(HttpMethod.Post, "/api/config/rollback?revision=x")).Status);

        // The admin token is in the text; show never prints it.
        var (_, latest) = await admin.Send(HttpMethod.Get, "/api/config");
        Assert.DoesNotContain(Token, latest.GetProperty("text").GetString());
        Assert.Contains("<redacted>", latest.GetProperty("text").GetString());
    }

    [Fact]
    public async Task APoolThatChanged_KeepsTheClusterStateOfTheBackendsThatStayed()
    {
        await using var a = new RawBackend(_ => RawBackend.Ok("from-a"));
        await using var b = new RawBackend(_ => RawBackend.Ok("from-b"));
        await using var c = new RawBackend(_ => RawBackend.Ok("from-c"));
        var dataDir = TestDataDirectory.Create();
        string Pool(params int[] ports) => $$"""
            admin { token = "{{Token}}" }
            pools { main { policy = round-robin, backends = [ {{string.Join(", ", ports.Select(p => $"\"127.0.0.1:{p}\""))}} ] } }
            routes = [ { name = default, pool = main } ]
            """;
        await using var node = await TestNode.StartAsync(Pool(a.Port, b.Port), dataDir: dataDir);
        using var admin = new Admin(node);
        await Eventually.Holds(admin.Ready, Wait, "the node ready");
        Assert.Equal(HttpStatusCode.OK, (await admin.Send(HttpMethod.Post, $"/api/pools/main/drain?backend=127.0.0.1:{b.Port}")).Status);

        Assert.Equal(HttpStatusCode.OK, (await admin.Apply(TestNode.Hocon(Pool(b.Port, c.Port), null, dataDir))).Status);

        // b stayed and stays drained: every request goes to c, the new backend.
        await Eventually.Holds(async () =>
        {
            var (_, pool) = await admin.Send(HttpMethod.Get, "/api/pools/main");
            var backends = pool.GetProperty("backends").EnumerateArray().ToDictionary(x => x.GetProperty("address").GetString()!);
            return backends.Count == 2
                   && backends.TryGetValue($"127.0.0.1:{b.Port}", out var kept) && kept.GetProperty("drained").GetBoolean()
                   && backends.TryGetValue($"127.0.0.1:{c.Port}", out var added) && !added.GetProperty("drained").GetBoolean();
        }, Wait, "the pool's entity on the new backends, b still drained");
        using var client = new RawClient(node.Public());
        for (var i = 0; i < 4; i++) Assert.EndsWith("from-c", await Get(client));
    }

    [Fact]
    public async Task ANodeStartedAgainWithItsOldFile_RunsTheStoredRevision()
    {
        await using var a = new RawBackend(_ => RawBackend.Ok("from-a"));
        await using var b = new RawBackend(_ => RawBackend.Ok("from-b"));
        var dataDir = TestDataDirectory.Create();
        await using (var first = await TestNode.StartAsync(Body(a.Port), dataDir: dataDir))
        {
            using var admin = new Admin(first);
            Assert.Equal(HttpStatusCode.OK, (await admin.Apply(TestNode.Hocon(Body(b.Port), null, dataDir))).Status);
        }

        await using var again = await TestNode.StartAsync(Body(a.Port), dataDir: dataDir);
        using var adminAgain = new Admin(again);
        await Eventually.Holds(adminAgain.Ready, Wait, "ready once it runs the cluster's revision");

        Assert.Equal(1, again.Runtime.Current.Revision);
        using var client = new RawClient(again.Public());
        Assert.EndsWith("from-b", await Get(client));
    }

    [Fact]
    public async Task AChangedConfigFile_IsAppliedAsTheNextRevision_AndAFileWithProblemsChangesNothing()
    {
        await using var a = new RawBackend(_ => RawBackend.Ok("from-a"));
        await using var b = new RawBackend(_ => RawBackend.Ok("from-b"));
        var dataDir = TestDataDirectory.Create();
        var file = Path.Combine(dataDir, "node.hocon");
        await File.WriteAllTextAsync(file, TestNode.Hocon(Body(a.Port), null, dataDir));
        var loaded = Proxy.Shared.Configuration.ProxyConfigLoader.Load(file, new Dictionary<string, string?>());
        await using var node = await ProxyNode.StartAsync(loaded.Hocon!, loaded.Settings!,
            new NodeOptions { Port = 0, HandleSignals = false, ConfigPath = file });
        using var admin = new Admin(node);
        await Eventually.Holds(admin.Ready, Wait, "the node ready");

        await File.WriteAllTextAsync(file, TestNode.Hocon(Body(b.Port).Replace("pool = main", "pool = missing"), null, dataDir));
        await Task.Delay(ConfigFileWatcher.Interval * 2); // read and refused (logged), nothing stored
        await File.WriteAllTextAsync(file, TestNode.Hocon(Body(b.Port), null, dataDir));

        await Eventually.Holds(() => node.Runtime.Current.Revision != 0, Wait, "the changed file applied");
        Assert.Equal(1, node.Runtime.Current.Revision); // the file with problems never became a revision
        using var client = new RawClient(node.Public());
        Assert.EndsWith("from-b", await Get(client));
        var (_, shown) = await admin.Send(HttpMethod.Get, "/api/config");
        Assert.Contains("file changed", shown.GetProperty("source").GetString());
    }

    [Fact]
    public async Task Pbm_VerifiesAppliesAndShows_WithExitCodesThatSayWhatHappened()
    {
        await using var a = new RawBackend(_ => RawBackend.Ok("from-a"));
        var dataDir = TestDataDirectory.Create();
        await using var node = await TestNode.StartAsync(Body(a.Port), dataDir: dataDir);
        var good = Path.Combine(dataDir, "good.hocon");
        var bad = Path.Combine(dataDir, "bad.hocon");
        await File.WriteAllTextAsync(good, TestNode.Hocon(Body(a.Port).Replace("routes = [", "routes = [ { name = extra, match { path = \"/extra\" }, pool = main },"), null, dataDir));
        await File.WriteAllTextAsync(bad, TestNode.Hocon(Body(a.Port).Replace("pool = main", "pool = nowhere"), null, dataDir));

        async Task<(int Code, string Out, string Err)> Pbm(params string[] args)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = await Proxy.Node.Cli.PbmApp.RunAsync(["--host", $"127.0.0.1:{node.Admin.Port}", "--token", Token, .. args], stdout, stderr,
                new Dictionary<string, string?>());
            return (code, stdout.ToString(), stderr.ToString());
        }

        var verifyBad = await Pbm("config", "verify", bad);
        Assert.Equal(1, verifyBad.Code);
        Assert.Contains("proxy.routes[0].pool", verifyBad.Out);
        Assert.Contains("nothing was stored", verifyBad.Out);
        Assert.Equal(1, (await Pbm("config", "apply", bad)).Code);
        var verifyGood = await Pbm("config", "verify", good);
        Assert.Equal(0, verifyGood.Code);
        Assert.Contains("OK", verifyGood.Out);

        var apply = await Pbm("config", "apply", good);
        Assert.Equal(0, apply.Code);
        Assert.Contains("revision 1 stored; 1 of 1 member(s) run it", apply.Out);
        var status = await Pbm("config", "status");
        Assert.Contains("Latest revision: 1", status.Out);
        Assert.Contains("Drift: none", status.Out);
        var show = await Pbm("config", "show");
        Assert.StartsWith("# revision 1 of 1: apply: pbm config apply good.hocon", show.Out);
        Assert.Contains("name = extra", show.Out);
        Assert.DoesNotContain(Token, show.Out);

        Assert.Equal(1, (await Pbm("config", "apply", Path.Combine(dataDir, "missing.hocon"))).Code);
        Assert.Equal(2, (await Pbm("config", "apply", good, "--wait", "soon")).Code);
        Assert.Equal(2, (await Pbm("config", "rollback", "0")).Code);
        Assert.Equal(0, (await Pbm("config")).Code); // the group alone prints its commands
    }

    [Fact]
    public async Task ARateLimit_ChangesLive_TheBucketKeepsWhatWasTaken_AndANewRouteGetsItsLimit()
    {
        await using var a = new RawBackend();
        var dataDir = TestDataDirectory.Create();
        string Limits(string rate, int burst, string routes) => $$"""
            rate-limits = [ { name = per-client, key = "header:X-Client", rate = "{{rate}}", burst = {{burst}}, routes = [ {{routes}} ] } ]
            """;
        var twoRoutes = """routes = [ { name = other, match { path-prefix = "/other" }, pool = main }, { name = default, pool = main } ]""";
        await using var node = await TestNode.StartAsync(Body(a.Port, Limits("1/min", 2, "default")), dataDir: dataDir);
        using var admin = new Admin(node);
        using var client = new RawClient(node.Public());
        async Task<string> Status(string path, string key)
        {
            client.Send($"GET {path} HTTP/1.1\r\nHost: t\r\nX-Client: {key}\r\n\r\n");
            return (await client.ReadResponsesAsync(1, Wait))[9..12];
        }
        Assert.Equal(["200", "200", "429"], [await Status("/", "k1"), await Status("/", "k1"), await Status("/", "k1")]);

        // A burst of 5 now: k1 took 2 of it already, so 3 more pass; a fresh key gets the full 5.
        Assert.Equal(HttpStatusCode.OK, (await admin.Apply(TestNode.Hocon(Body(a.Port, Limits("1/min", 5, "default")), null, dataDir))).Status);
        Assert.Equal(["200", "200", "200", "429"], [await Status("/", "k1"), await Status("/", "k1"), await Status("/", "k1"), await Status("/", "k1")]);

        // A new route under the limit.
        var withOther = TestNode.Hocon(Body(a.Port, Limits("1/min", 1, "default, other")).Replace("routes = [ { name = default, pool = main } ]", twoRoutes), null, dataDir);
        Assert.Equal(HttpStatusCode.OK, (await admin.Apply(withOther)).Status);
        Assert.Equal(["200", "429"], [await Status("/other", "k9"), await Status("/other", "k9")]);
    }
}
