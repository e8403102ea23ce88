using System.Net;
using System.Text;
using System.Text.Json;
using Proxy.Node.Cli;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Caching;

/// <summary>
/// Issue 15 (E5) on a two-node cluster whose nodes cache on their own (cache-cluster off): <c>pbm cache stats</c> per
/// node and in total, <c>pbm cache purge</c> by URL, prefix and tag carried out by every member with each one's
/// acknowledgement (the next request on every node is a miss), the metrics, and pbm's refusals of a wrong purge before
/// any request.
/// </summary>
public sealed class CacheAdminSpec
{
    private const string Token = "cache-admin-token-5c1e";

    private static byte[] Answer(string path) => Encoding.ASCII.GetBytes(
        $"HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\nSurrogate-Key: all {(path.Contains("/static/") ? "static" : "page")}\r\n" +
        $"Cache-Tag: p-{path.Length}\r\nContent-Length: 4\r\n\r\nbody");

    private static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false });

    private static async Task<string> CacheStatus(TestCluster cluster, int node, string path)
    {
        var response = await Client.GetAsync($"http://127.0.0.1:{cluster[node].Listeners["public"].Port}{path}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.TryGetValues("Cache-Status", out var values) ? string.Join(", ", values) : "";
    }

    private static async Task<TestCluster> Start(RawBackend backend)
    {
        var cluster = await TestCluster.StartAsync(2, $$"""
            admin { token = "{{Token}}" }
            pools { web { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            routes = [ { name = site, pool = web, cache { } } ]
            # Each node caches on its own here, so each one's figures are known in advance (ClusterCacheSpec has the
            # owners' cluster).
            cache-cluster { enabled = off }
            """);
        await cluster.WaitForMembersUpAsync(2, TimeSpan.FromSeconds(20));
        return cluster;
    }

    [Fact]
    public async Task StatsShowEachNodesCache_AndTheirTotal()
    {
        await using var backend = new RawBackend(r => Answer(r.RequestLine.Split(' ')[1]));
        await using var cluster = await Start(backend);
        await CacheStatus(cluster, 0, "/a");
        await CacheStatus(cluster, 0, "/a");
        await CacheStatus(cluster, 0, "/a");
        await CacheStatus(cluster, 1, "/b");

        var stats = await cluster.PbmJsonAsync(1, Token, "cache", "stats");

        var nodes = stats.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(2, nodes.Count);
        var first = nodes.Single(n => n.GetProperty("node").GetString() == cluster.AddressOf(0));
        Assert.Equal((1, 2, 1), (first.GetProperty("entries").GetInt64(), first.GetProperty("hits").GetInt64(), first.GetProperty("misses").GetInt64()));
        var total = Assert.Single(stats.GetProperty("totals").EnumerateArray());
        Assert.Equal("site", total.GetProperty("route").GetString());
        Assert.Equal((2, 2, 2), (total.GetProperty("entries").GetInt64(), total.GetProperty("hits").GetInt64(), total.GetProperty("misses").GetInt64()));
        Assert.Equal(0.5, total.GetProperty("hitRatio").GetDouble());
        Assert.Empty(stats.GetProperty("unanswered").EnumerateArray());

        var metrics = await Client.GetStringAsync($"http://127.0.0.1:{cluster[0].Admin.Port}/metrics");
        Assert.Contains("proxy_cache_requests_total{route=\"site\",result=\"hit\"} 2", metrics);
        Assert.Contains("proxy_cache_requests_total{route=\"site\",result=\"miss\"} 1", metrics);
        Assert.Contains("proxy_cache_entries{route=\"site\"} 1", metrics);
        Assert.Matches("proxy_cache_bytes\\{route=\"site\"\\} [1-9]", metrics);
    }

    [Theory]
    [InlineData(new[] { "/page" }, "/page")]
    [InlineData(new[] { "--prefix", "/static/" }, "/static/app.js")]
    [InlineData(new[] { "--tag", "static" }, "/static/app.js")]
    public async Task APurge_IsCarriedOutByEveryMember_AndTheNextRequestEverywhereIsAMiss(string[] purge, string purged)
    {
        await using var backend = new RawBackend(r => Answer(r.RequestLine.Split(' ')[1]));
        await using var cluster = await Start(backend);
        foreach (var node in new[] { 0, 1 })
        foreach (var path in new[] { "/page", "/static/app.js", "/kept" })
            await CacheStatus(cluster, node, path);
        Assert.StartsWith("proxy; hit", await CacheStatus(cluster, 1, purged));

        var answer = await cluster.PbmJsonAsync(0, Token, ["cache", "purge", .. purge]);

        var acks = answer.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(2, acks.Count);
        Assert.All(acks, a => Assert.Equal(1, a.GetProperty("removed").GetInt64()));
        foreach (var node in new[] { 0, 1 })
        {
            Assert.StartsWith("proxy; fwd=uri-miss", await CacheStatus(cluster, node, purged));
            Assert.StartsWith("proxy; hit", await CacheStatus(cluster, node, "/kept"));
        }
    }

    [Fact]
    public async Task APurgeByAbsoluteUrl_MatchesTheHostItNames()
    {
        await using var backend = new RawBackend(r => Answer(r.RequestLine.Split(' ')[1]));
        await using var cluster = await Start(backend);
        await CacheStatus(cluster, 0, "/page?x=1");

        var other = await cluster.PbmJsonAsync(0, Token, "cache", "purge", "http://elsewhere.example/page?x=1");
        Assert.All(other.GetProperty("members").EnumerateArray(), a => Assert.Equal(0, a.GetProperty("removed").GetInt64()));
        var same = await cluster.PbmJsonAsync(0, Token, "cache", "purge", $"http://127.0.0.1:{cluster[0].Listeners["public"].Port}/page?x=1");
        Assert.Equal(1, same.GetProperty("members").EnumerateArray().Sum(a => a.GetProperty("removed").GetInt64()));
    }

    [Theory]
    [InlineData(new[] { "cache", "purge" }, "give exactly one of URL, --prefix PATH or --tag TAG")]
    [InlineData(new[] { "cache", "purge", "/a", "--tag", "t" }, "give exactly one of URL, --prefix PATH or --tag TAG")]
    [InlineData(new[] { "cache", "purge", "ftp://x/a" }, "URL: expected http://host/path or /path")]
    [InlineData(new[] { "cache", "purge", "--prefix", "static" }, "--prefix: expected a path")]
    public async Task AWrongPurge_IsRefusedBeforeAnyRequest(string[] args, string error)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // No node listens on this port: a request would fail differently.
        var code = await PbmApp.RunAsync(["--host", "127.0.0.1:9", .. args], stdout, stderr, new Dictionary<string, string?>());
        Assert.Equal(2, code);
        Assert.Contains(error, stderr.ToString() + stdout);
    }
}
