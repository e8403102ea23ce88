using System.Text.Json;
using Proxy.Node.Cli;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Observability;

/// <summary>
/// Issue 13 part 4 (O2): <c>pbm stats</c> and <c>pbm top</c> through any node of a two-node cluster add up every
/// member's last seconds per route and per backend: the request counts are exactly those sent through both nodes, a
/// failing route shows 100 % errors, and the latency percentiles come from the merged counts.
/// </summary>
public sealed class StatsSpec
{
    private const string Token = "stats-spec-token-5d";

    private static async Task<(int Code, string Out, string Err)> Pbm(TestCluster cluster, int node, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await PbmApp.RunAsync(["--host", $"127.0.0.1:{cluster[node].Admin.Port}", "--token", Token, .. args], stdout, stderr,
            new Dictionary<string, string?>());
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task StatsAddUpEveryMembersWindow_PerRouteAndPerBackend()
    {
        await using var ok = new RawBackend(_ => RawBackend.Ok("ok"));
        await using var failing = new RawBackend(_ => "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"u8.ToArray());
        await using var cluster = await TestCluster.StartAsync(2, $$"""
            admin { token = "{{Token}}" }
            pools {
              good { backends = [ "127.0.0.1:{{ok.Port}}" ] }
              bad { backends = [ "127.0.0.1:{{failing.Port}}" ], retries { attempts = 0 } }
            }
            routes = [ { name = broken, match { path-prefix = "/broken" }, pool = bad }, { name = fine, pool = good } ]
            """);
        for (var node = 0; node < 2; node++)
        {
            using var client = new RawClient(cluster[node].Public());
            for (var i = 0; i < 7 + node; i++) client.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
            client.Send("GET /broken HTTP/1.1\r\nHost: t\r\n\r\n");
            await client.ReadResponsesAsync(8 + node, TimeSpan.FromSeconds(10));
        }

        JsonElement stats = default;
        await Eventually.Holds(async () =>
        {
            var run = await Pbm(cluster, 1, "--json", "stats");
            if (run.Code != 0) return false;
            stats = JsonDocument.Parse(run.Out).RootElement.Clone();
            return stats.GetProperty("routes").EnumerateArray().Sum(r => r.GetProperty("requests").GetInt64()) == 17;
        }, TimeSpan.FromSeconds(15), "every request of both nodes in the window (after its second ended)");

        var routes = stats.GetProperty("routes").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(15, routes["fine"].GetProperty("requests").GetInt64());
        Assert.Equal(0, routes["fine"].GetProperty("errorPercent").GetDouble());
        Assert.InRange(routes["fine"].GetProperty("p50Ms").GetDouble(), 0.01, 1000);
        Assert.True(routes["fine"].GetProperty("p99Ms").GetDouble() >= routes["fine"].GetProperty("p50Ms").GetDouble());
        Assert.Equal(100, routes["broken"].GetProperty("errorPercent").GetDouble());
        Assert.Equal(1.5, routes["fine"].GetProperty("requestsPerSecond").GetDouble()); // 15 over the 10 s window
        var backends = stats.GetProperty("backends").EnumerateArray().ToDictionary(b => b.GetProperty("pool").GetString()!);
        Assert.Equal($"127.0.0.1:{ok.Port}", backends["good"].GetProperty("name").GetString());
        Assert.Equal(15, backends["good"].GetProperty("requests").GetInt64());
        Assert.Equal(100, backends["bad"].GetProperty("errorPercent").GetDouble());
        Assert.Equal(2, stats.GetProperty("members").GetArrayLength());
        Assert.Empty(stats.GetProperty("unanswered").EnumerateArray());
        Assert.Equal(["windowSeconds", "routes", "backends", "members", "unanswered"], stats.EnumerateObject().Select(p => p.Name));

        var table = await Pbm(cluster, 0, "stats");
        Assert.Equal(0, table.Code);
        Assert.Contains("fine", table.Out);
        Assert.Contains("member(s)", table.Out);

        var top = await Pbm(cluster, 0, "--json", "top", "--count", "2", "--interval", "200ms");
        Assert.Equal(0, top.Code);
        Assert.Equal(2, top.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(2, (await Pbm(cluster, 0, "top", "--interval", "soon")).Code);
        Assert.Equal(2, (await Pbm(cluster, 0, "top", "--count", "0")).Code);
    }
}
