using System.Text.Json;
using Proxy.Node.Cli;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Middleware;

/// <summary>R2 through a real node and two backends: a route split 90/10 over two pools sends about that share of
/// 2,000 requests to each, a split-key keeps each key on one pool, and <c>pbm routes</c> shows the weights.</summary>
public sealed class SplitSpec
{
    private const string Token = "split-spec-token-5e1";

    private static async Task<string> Get(HttpClient client, Uri uri, string? user = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (user is not null) request.Headers.Add("X-User", user);
        using var response = await client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static Task<Proxy.Node.Hosting.ProxyNode> Node(RawBackend stable, RawBackend canary) => TestNode.StartAsync($$"""
        admin { token = "{{Token}}" }
        pools {
          stable { backends = [ "127.0.0.1:{{stable.Port}}" ] }
          canary { backends = [ "127.0.0.1:{{canary.Port}}" ] }
        }
        routes = [
          { name = keyed, match { path-prefix = "/keyed" }, split = [ { pool = stable, weight = 90 }, { pool = canary, weight = 10 } ], split-key = "header:X-User" }
          { name = drawn, split = [ { pool = stable, weight = 90 }, { pool = canary, weight = 10 } ] }
        ]
        """);

    [Fact]
    public async Task WithoutAKey_EachRequestIsDrawn_AtTheConfiguredShares()
    {
        await using var stable = new RawBackend(_ => RawBackend.Ok("stable"));
        await using var canary = new RawBackend(_ => RawBackend.Ok("canary"));
        await using var node = await Node(stable, canary);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var canaries = 0;
        for (var i = 0; i < 2000; i++)
            if (await Get(client, new Uri(node.BaseUri(), "/x")) == "canary") canaries++;
        // 10 % of 2,000 = 200; ±3 points = 140–260 (the binomial's σ is 13.4, so this is over 4σ).
        Assert.InRange(canaries, 140, 260);
    }

    [Fact]
    public async Task WithAKey_EachKeyStaysOnItsPool_AndKeysSpreadAtTheShares()
    {
        await using var stable = new RawBackend(_ => RawBackend.Ok("stable"));
        await using var canary = new RawBackend(_ => RawBackend.Ok("canary"));
        await using var node = await Node(stable, canary);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var canaryUsers = 0;
        for (var user = 0; user < 1000; user++)
        {
            var first = await Get(client, new Uri(node.BaseUri(), "/keyed"), "user-" + user);
            Assert.Equal(first, await Get(client, new Uri(node.BaseUri(), "/keyed"), "user-" + user));
            if (first == "canary") canaryUsers++;
        }
        Assert.InRange(canaryUsers, 60, 140); // 10 % of 1,000 keys, ±4 points (σ ≈ 9.5)
        // A request without the key is drawn.
        Assert.Contains(await Get(client, new Uri(node.BaseUri(), "/keyed")), new[] { "stable", "canary" });
    }

    [Fact]
    public async Task PbmRoutes_ShowsTheSplitWithItsShares()
    {
        await using var stable = new RawBackend();
        await using var canary = new RawBackend();
        await using var node = await Node(stable, canary);
        var host = $"127.0.0.1:{node.Admin.Port}";
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(0, await PbmApp.RunAsync(["--host", host, "--token", Token, "routes"], stdout, stderr, new Dictionary<string, string?>()));
        var text = stdout.ToString();
        Assert.Contains("stable 90 (90%), canary 10 (10%) by header:X-User", text);
        Assert.Contains("path-prefix /keyed", text);
        Assert.Contains("Count: 2 routes", text);

        var json = new StringWriter();
        Assert.Equal(0, await PbmApp.RunAsync(["--host", host, "--token", Token, "--json", "routes"], json, stderr, new Dictionary<string, string?>()));
        var drawn = JsonDocument.Parse(json.ToString()).RootElement.GetProperty("routes")[1];
        Assert.Equal("drawn", drawn.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, drawn.GetProperty("pool").ValueKind);
        Assert.Equal(10, drawn.GetProperty("split")[1].GetProperty("percent").GetDouble());
        Assert.Equal("request-id", drawn.GetProperty("middleware")[0].GetString());
    }
}
