using System.Diagnostics;
using System.Net;
using Proxy.Tests.Integration.Support;
using Xunit;
using Xunit.Abstractions;

namespace Proxy.Tests.Integration.Clustering;

/// <summary>L1/L2: rate limits enforced through the sharded RateLimiter entities and the nodes' leases.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RateLimitClusterSpec(ITestOutputHelper output)
{
    private static string Config(int backendPort, string limit) => $$"""
        admin { token = "limits-token" }
        pools { main { backends = [ "127.0.0.1:{{backendPort}}" ] } }
        routes = [ { name = default, pool = main } ]
        rate-limits = [ {{limit}} ]
        """;

    private static HttpClient Client() => new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 16 })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };

    private static async Task<HttpResponseMessage> Get(HttpClient client, Uri node, string clientId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node, "/x"));
        request.Headers.Add("X-Client", clientId);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task OverTheLimit_Is429WithRetryAfter_AndEveryAnswerCarriesRateLimitHeaders_PerKey()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("fine"));
        await using var cluster = await TestCluster.StartAsync(1,
            Config(backend.Port, """{ name = per-client, key = "header:X-Client", rate = "5/min", burst = 5 }"""));
        using var client = Client();
        var node = cluster[0].BaseUri();
        for (var i = 0; i < 5; i++)
        {
            using var ok = await Get(client, node, "alice");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("5", ok.Headers.GetValues("RateLimit-Limit").Single());
            Assert.True(long.Parse(ok.Headers.GetValues("RateLimit-Remaining").Single()) <= 5);
        }
        using var limited = await Get(client, node, "alice");
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("0", limited.Headers.GetValues("RateLimit-Remaining").Single());
        Assert.Contains("rate limit 'per-client' exceeded", await limited.Content.ReadAsStringAsync());

        using var other = await Get(client, node, "bob");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(6, backend.Requests.Count);
    }

    [Fact]
    public async Task ALimitSentRoundRobinThroughThreeNodes_AdmitsBetween80And110PercentOfTheAllowedCount()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("fine"));
        await using var cluster = await TestCluster.StartAsync(3,
            Config(backend.Port, """{ name = per-client, key = "header:X-Client", rate = "50/s", burst = 50 }"""));
        using var client = Client();
        var nodes = Enumerable.Range(0, 3).Select(i => cluster[i].BaseUri()).ToArray();
        // Warm the nodes' connections (another key), so the measured window is about the limit.
        foreach (var n in nodes) (await Get(client, n, "warm-up")).Dispose();

        var admitted = 0;
        var limited = 0;
        var watch = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(3);
        var workers = Enumerable.Range(0, 6).Select(async w =>
        {
            var i = w;
            while (watch.Elapsed < duration)
            {
                using var response = await Get(client, nodes[i++ % 3], "carol");
                if (response.StatusCode == HttpStatusCode.OK) Interlocked.Increment(ref admitted);
                else if ((int)response.StatusCode == 429) Interlocked.Increment(ref limited);
                else Assert.Fail($"unexpected {(int)response.StatusCode}");
            }
        }).ToArray();
        await Task.WhenAll(workers);
        var elapsed = watch.Elapsed.TotalSeconds;
        var allowed = 50 + 50 * elapsed;
        output.WriteLine($"admitted {admitted}, limited {limited} in {elapsed:0.00} s; allowed {allowed:0}; ratio {admitted / allowed:0.00}");
        Assert.True(limited > 0, "the load must exceed the limit for this test to mean anything");
        Assert.InRange(admitted, 0.8 * allowed, 1.1 * allowed);
    }

    [Fact]
    public async Task ABurstThroughOneNode_IsLimitedClusterWide()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("fine"));
        await using var cluster = await TestCluster.StartAsync(3,
            Config(backend.Port, """{ name = per-client, key = "header:X-Client", rate = "10/min", burst = 20 }"""));
        using var client = Client();
        var admittedOnNode0 = 0;
        for (var i = 0; i < 30; i++)
        {
            using var r = await Get(client, cluster[0].BaseUri(), "dave");
            if (r.StatusCode == HttpStatusCode.OK) admittedOnNode0++;
        }
        Assert.Equal(20, admittedOnNode0);
        // The other nodes see the same empty bucket (at most a token or two refilled since).
        var elsewhere = 0;
        for (var i = 0; i < 10; i++)
        {
            using var r = await Get(client, cluster[1 + i % 2].BaseUri(), "dave");
            if (r.StatusCode == HttpStatusCode.OK) elsewhere++;
        }
        Assert.InRange(elsewhere, 0, 1);
    }

    [Fact]
    public async Task ANodeLeavingMidTest_DoesNotBreakTheLimit()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("fine"));
        await using var cluster = await TestCluster.StartAsync(3,
            Config(backend.Port, """{ name = per-client, key = "header:X-Client", rate = "50/s", burst = 50 }"""));
        using var client = Client();
        foreach (var i in new[] { 0, 1, 2 }) (await Get(client, cluster[i].BaseUri(), "warm-up")).Dispose();
        const int leaving = 2;

        var admitted = 0;
        var watch = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(4);
        var stop = Task.Run(async () =>
        {
            await Task.Delay(1500);
            await cluster.StopNodeAsync(leaving);
        });
        var workers = Enumerable.Range(0, 4).Select(async w =>
        {
            var i = w;
            while (watch.Elapsed < duration)
            {
                var target = i++ % 3;
                if (target == leaving && (stop.IsCompleted || watch.Elapsed > TimeSpan.FromSeconds(1.4))) target = 0;
                try
                {
                    using var response = await Get(client, cluster[target].BaseUri(), "erin");
                    if (response.StatusCode == HttpStatusCode.OK) Interlocked.Increment(ref admitted);
                }
                catch (Exception) when (target == leaving)
                {
                    // A request racing the leaving node's shutdown.
                }
            }
        }).ToArray();
        await Task.WhenAll(workers);
        await stop;
        var elapsed = watch.Elapsed.TotalSeconds;
        var allowed = 50 + 50 * elapsed;
        output.WriteLine($"admitted {admitted} in {elapsed:0.00} s with a node leaving at 1.5 s; allowed {allowed:0}; ratio {admitted / allowed:0.00}");
        // A hand-off may re-create the bucket full once: at most one more burst.
        Assert.InRange(admitted, 0.7 * allowed, 1.1 * allowed + 50);
    }

    private static Task<System.Text.Json.JsonElement> Pbm(TestCluster cluster, int node, params string[] args) =>
        cluster.PbmJsonAsync(node, "limits-token", args);

    [Fact]
    public async Task PbmLimits_SumsDecisionsOverTheCluster_AndPbmLimit_ShowsABucketAndItsLeaseHolders()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("fine"));
        await using var cluster = await TestCluster.StartAsync(2,
            Config(backend.Port, """{ name = per-client, key = "header:X-Client", rate = "10/min", burst = 6 }"""));
        using var client = Client();
        var ok = 0;
        var rejected = 0;
        for (var i = 0; i < 10; i++)
        {
            using var r = await Get(client, cluster[i % 2].BaseUri(), "frank");
            if (r.StatusCode == HttpStatusCode.OK) ok++;
            else rejected++;
        }
        Assert.Equal(6, ok);

        var limits = await Pbm(cluster, 1, "limits");
        var limit = limits.GetProperty("limits").EnumerateArray().Single();
        Assert.Equal("per-client", limit.GetProperty("name").GetString());
        Assert.Equal("10/min", limit.GetProperty("rate").GetString());
        Assert.Equal("cluster", limit.GetProperty("store").GetString());
        Assert.Equal(ok, limit.GetProperty("allowed").GetInt64());
        Assert.Equal(rejected, limit.GetProperty("rejected").GetInt64());
        Assert.Equal(2, limit.GetProperty("keys").GetInt64()); // one key, tracked on both nodes
        Assert.Empty(limits.GetProperty("unanswered").EnumerateArray());

        // O3: the same decisions as Prometheus counters on each node's admin listener (no token needed).
        double Sum(string metrics, string decision) => metrics.Split('\n')
            .Where(l => l.StartsWith("proxy_rate_limit_decisions_total{", StringComparison.Ordinal) && l.Contains($"decision=\"{decision}\"") &&
                        l.Contains("limit=\"per-client\""))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        using var plain = new HttpClient();
        var scraped = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => plain.GetStringAsync($"http://127.0.0.1:{cluster[i].Admin.Port}/metrics")));
        Assert.Equal(ok, scraped.Sum(m => Sum(m, "allowed")));
        Assert.Equal(rejected, scraped.Sum(m => Sum(m, "rejected")));

        var key = await Pbm(cluster, 0, "limit", "per-client", "frank");
        Assert.Equal(6, key.GetProperty("burst").GetInt64());
        Assert.InRange(key.GetProperty("remaining").GetInt64(), 0, 1);
        // A lease lives 1 s: right after a request of a fresh key, its node holds one (polled: the machine may be busy).
        var attempt = 0;
        await Eventually.Holds(async () =>
        {
            var fresh = $"grace-{attempt++}";
            (await Get(client, cluster[1].BaseUri(), fresh)).Dispose();
            var view = await Pbm(cluster, 0, "limit", "per-client", fresh);
            return view.GetProperty("leaseHolders").EnumerateArray().Any(h => h.GetString() == cluster.AddressOf(1));
        }, TimeSpan.FromSeconds(15), "the node that served a fresh key holds a lease on it");

        var stderr = new StringWriter();
        var code = await Proxy.Node.Cli.PbmApp.RunAsync(["--host", $"127.0.0.1:{cluster[0].Admin.Port}", "limit", "nope", "x"], new StringWriter(), stderr,
            new Dictionary<string, string?> { ["PROXY_ADMIN_TOKEN"] = "limits-token" });
        Assert.Equal(1, code);
        Assert.Contains("no rate limit named 'nope'", stderr.ToString());
    }

    [Fact]
    public async Task AQuota_RefusesOnceUsedUp_UntilTheWindowEnds_AndSurvivesARestartOfEveryNode()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("fine"));
        await using var cluster = await TestCluster.StartAsync(2,
            Config(backend.Port, """{ name = daily, key = "header:X-Client", rate = "1000/s", quota = "5/day" }"""));
        using var client = Client();
        var ok = 0;
        for (var i = 0; i < 8; i++)
        {
            using var r = await Get(client, cluster[i % 2].BaseUri(), "mallory");
            if (r.StatusCode == HttpStatusCode.OK) ok++;
            else
            {
                Assert.Equal((HttpStatusCode)429, r.StatusCode);
                Assert.Contains("quota of rate limit 'daily' (5/day) is used up", await r.Content.ReadAsStringAsync());
                var untilMidnight = DateTime.UtcNow.Date.AddDays(1) - DateTime.UtcNow;
                Assert.InRange(r.Headers.RetryAfter!.Delta!.Value, untilMidnight - TimeSpan.FromMinutes(1), untilMidnight + TimeSpan.FromMinutes(1));
            }
        }
        Assert.Equal(5, ok);

        // Every node stops, then all start again: the usage comes back from the journal.
        await cluster.StopNodeAsync(0);
        await cluster.StopNodeAsync(1);
        await cluster.AddNodeAsync(slot: 0);
        await cluster.AddNodeAsync(slot: 1);
        for (var i = 0; i < 4; i++)
        {
            using var r = await Get(client, cluster[i % 2].BaseUri(), "mallory");
            Assert.Equal((HttpStatusCode)429, r.StatusCode);
        }
        using var fresh = await Get(client, cluster[0].BaseUri(), "niaj");
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }
}
