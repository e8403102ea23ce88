using System.Net;
using Akka.Actor;
using System.Security.Cryptography;
using System.Text;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Caching;

/// <summary>
/// Issue 15 (E5) section 2 on a three-node cluster in one process: each key has one owner, a node that misses a key it
/// does not own asks the owner instead of the origin, and the owner fetches it once for every node's requests.
/// </summary>
public sealed class ClusterCacheSpec
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1000 })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private const string Token = "cluster-cache-token-7d2a";

    private static async Task<TestCluster> Start(RawBackend backend, int nodes = 3, string cache = "cache { }", string match = "")
    {
        var cluster = await TestCluster.StartAsync(nodes, $$"""
            admin { token = "{{Token}}" }
            pools { web { backends = [ "127.0.0.1:{{backend.Port}}" ], timeouts { response = 20s } } }
            routes = [ { name = site, pool = web, {{match}} {{cache}} } ]
            """);
        await cluster.WaitForMembersUpAsync(nodes, TimeSpan.FromSeconds(30));
        await Eventually.Holds(() => cluster.Running.All(n => n.Runtime.Current.Caches!.Owners!.Members.Count == nodes),
            TimeSpan.FromSeconds(20), $"every node's cache ring holds {nodes} members");
        return cluster;
    }

    /// <summary>A GET through <paramref name="node"/>, for the site every node serves (one Host for all: the key has it).</summary>
    private static Task<HttpResponseMessage> Get(TestCluster cluster, int node, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{cluster[node].Listeners["public"].Port}{path}");
        request.Headers.Host = "shop.example";
        return Client.SendAsync(request);
    }

    /// <summary>The target: 600 concurrent requests for one cold key, spread over three nodes, reach the origin once, and
    /// every client gets the whole body, byte for byte.</summary>
    [Fact]
    public async Task SixHundredConcurrentRequestsForOneColdKey_OverThreeNodes_ReachTheOriginOnce()
    {
        var body = RandomNumberGenerator.GetBytes(256 * 1024);
        await using var backend = new RawBackend(_ =>
        {
            // Slow enough that every request arrives while the one fetch is still under way.
            Thread.Sleep(1500);
            return [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\nContent-Length: {body.Length}\r\n\r\n"), .. body];
        });
        await using var cluster = await Start(backend);

        var responses = await Task.WhenAll(Enumerable.Range(0, 600).Select(async i =>
        {
            using var response = await Get(cluster, i % 3, "/big");
            return (response.StatusCode, Body: await response.Content.ReadAsByteArrayAsync());
        }));

        Assert.Single(backend.Requests);
        Assert.All(responses, r =>
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.True(body.AsSpan().SequenceEqual(r.Body), "a client got a different body");
        });
    }

    /// <summary>Without local copies a key is stored once in the cluster, on its owner; the other nodes serve it from
    /// there (a hit on the owner) and count it as answered by the owner.</summary>
    [Fact]
    public async Task WithoutLocalCopies_AKeyIsStoredOnItsOwnerOnly_AndEveryNodeServesItsHits()
    {
        await using var backend = new RawBackend(r => RawBackend.Ok("page " + r.RequestLine.Split(' ')[1], "Cache-Control: max-age=600\r\n"));
        await using var cluster = await Start(backend, cache: "cache { local-copies = off }");
        var paths = Enumerable.Range(0, 12).Select(i => $"/p{i}").ToList();
        foreach (var path in paths)
            for (var node = 0; node < 3; node++)
            {
                using var response = await Get(cluster, node, path);
                Assert.Equal("page " + path, await response.Content.ReadAsStringAsync());
            }

        Assert.Equal(paths.Count, backend.Requests.Count);
        var stores = Enumerable.Range(0, 3).Select(n => cluster[n].Runtime.Current.Caches!.Stores["site"]).ToList();
        Assert.Equal(paths.Count, stores.Sum(s => s.Count));
        Assert.True(stores.Count(s => s.Count > 0) >= 2, "twelve keys all owned by one of three nodes");
        // Every request was decided by an owner (one miss and two hits per key); the others were answered by it.
        Assert.Equal((paths.Count, 2 * paths.Count), (stores.Sum(s => s.Misses), stores.Sum(s => s.Hits)));
        Assert.Equal(2 * paths.Count, stores.Sum(s => s.FromOwner));
    }

    /// <summary>With local copies (the default), a node keeps what the owner served it: its next request for the key is
    /// a hit on the node itself, named by it, and neither the owner nor the origin is asked again.</summary>
    [Fact]
    public async Task WithLocalCopies_TheNextRequestOnEveryNode_IsALocalHit()
    {
        await using var backend = new RawBackend(r => RawBackend.Ok("page " + r.RequestLine.Split(' ')[1], "Cache-Control: max-age=600\r\n"));
        await using var cluster = await Start(backend);
        var paths = Enumerable.Range(0, 6).Select(i => $"/c{i}").ToList();
        foreach (var path in paths)
            for (var node = 0; node < 3; node++)
                (await Get(cluster, node, path)).Dispose();
        var stores = Enumerable.Range(0, 3).Select(n => cluster[n].Runtime.Current.Caches!.Stores["site"]).ToList();
        var askedOwners = stores.Sum(s => s.FromOwner);

        foreach (var path in paths)
            for (var node = 0; node < 3; node++)
            {
                using var response = await Get(cluster, node, path);
                Assert.Equal("page " + path, await response.Content.ReadAsStringAsync());
                var status = Assert.Single(response.Headers.GetValues("Cache-Status"));
                Assert.StartsWith("proxy; hit", status);
                Assert.True(int.Parse(Assert.Single(response.Headers.GetValues("Age"))) >= 0);
            }

        Assert.Equal(paths.Count, backend.Requests.Count);
        Assert.Equal(3 * paths.Count, stores.Sum(s => s.Count));
        Assert.Equal(askedOwners, stores.Sum(s => s.FromOwner));
        Assert.Equal(2 * paths.Count, askedOwners);
    }

    /// <summary>The target: a purge through any node is honoured on every node by the time pbm returns (the next request
    /// anywhere is a miss, sent within 100 ms of the return); pbm's stats show the keys once, on their owners.</summary>
    [Fact]
    public async Task APurge_IsHonouredOnEveryNode_Within100msOfPbmReturning()
    {
        await using var backend = new RawBackend(r => RawBackend.Ok("page " + r.RequestLine.Split(' ')[1], "Cache-Control: max-age=600\r\n"));
        await using var cluster = await Start(backend);
        var paths = Enumerable.Range(0, 6).Select(i => $"/static/{i}.js").Append("/kept").ToList();
        foreach (var path in paths)
            for (var node = 0; node < 3; node++)
                (await Get(cluster, node, path)).Dispose();
        var stats = await cluster.PbmJsonAsync(2, Token, "cache", "stats");
        var total = Assert.Single(stats.GetProperty("totals").EnumerateArray());
        // Each key once on its owner and once on each of the two other nodes (local copies).
        Assert.Equal((3L * paths.Count, paths.Count, 2L * paths.Count, 2L * paths.Count), (total.GetProperty("entries").GetInt64(),
            total.GetProperty("misses").GetInt64(), total.GetProperty("hits").GetInt64(), total.GetProperty("fromOwner").GetInt64()));

        var purged = await cluster.PbmJsonAsync(1, Token, "cache", "purge", "--prefix", "/static/");
        var returned = System.Diagnostics.Stopwatch.StartNew();
        var next = await Task.WhenAll(Enumerable.Range(0, 3).Select(async node =>
        {
            var sentAfter = returned.Elapsed;
            using var response = await Get(cluster, node, "/static/0.js");
            return (sentAfter, Status: string.Join(", ", response.Headers.GetValues("Cache-Status")));
        }));

        Assert.Equal(3 * 6, purged.GetProperty("members").EnumerateArray().Sum(m => m.GetProperty("removed").GetInt64()));
        Assert.Equal(3, purged.GetProperty("members").GetArrayLength());
        Assert.All(next, n => Assert.True(n.sentAfter < TimeSpan.FromMilliseconds(100), $"sent {n.sentAfter.TotalMilliseconds} ms after"));
        // The first request after the purge is the owner's miss; the two others share its fetch or hit what it stored.
        Assert.Contains(next, n => n.Status.Contains("fwd=uri-miss", StringComparison.Ordinal));
        Assert.Equal(paths.Count + 1, backend.Requests.Count);
        using var kept = await Get(cluster, 0, "/kept");
        Assert.Contains("hit", string.Join(", ", kept.Headers.GetValues("Cache-Status")));
    }

    /// <summary>cache.warm: once a node has joined, it fetches the warm list through the keys' owners; then every node
    /// answers the warm URLs from its own store, and the origin saw each at most once per node (an owner that joined
    /// later fetches what it now owns).</summary>
    [Fact]
    public async Task Warming_FillsEveryNodesStore_ThroughTheOwners()
    {
        await using var backend = new RawBackend(r => RawBackend.Ok("page " + r.RequestLine.Split(' ')[1], "Cache-Control: max-age=600\r\n"));
        await using var cluster = await Start(backend, cache: "cache { warm = [ \"/\", \"/index.html\", \"http://other.example/x?y=1\" ] }",
            match: "match { host = [ \"shop.example\", \"other.example\" ] },");

        await Eventually.Holds(() => Enumerable.Range(0, 3).All(n => cluster[n].Runtime.Current.Caches!.Stores["site"].Count == 5),
            TimeSpan.FromSeconds(20), "every node holds the five warm responses");
        var origin = backend.Requests.Count;
        foreach (var path in new[] { "/", "/index.html" })
            for (var node = 0; node < 3; node++)
            {
                using var response = await Get(cluster, node, path);
                Assert.StartsWith("proxy; hit", Assert.Single(response.Headers.GetValues("Cache-Status")));
            }

        Assert.Equal(origin, backend.Requests.Count);
        Assert.All(backend.Requests.GroupBy(r => r.Header("Host") + r.RequestLine), g => Assert.InRange(g.Count(), 1, 3));
        Assert.Contains(backend.Requests, r => r.RequestLine.StartsWith("GET /x?y=1 ", StringComparison.Ordinal) && r.Header("Host") == "other.example");
    }

    /// <summary>HTTP PURGE on a route with a purge-token: without the token 401, with a wrong one 403 (neither reaches the
    /// origin nor purges); with it the URL is gone from every node (owner and copies), and the answer says so.</summary>
    [Fact]
    public async Task AnHttpPurge_WithTheToken_PurgesTheUrlOnEveryNode()
    {
        const string purgeToken = "purge-secret-4e1f";
        await using var backend = new RawBackend(r => RawBackend.Ok("page " + r.RequestLine.Split(' ')[1], "Cache-Control: max-age=600\r\n"));
        await using var cluster = await Start(backend, cache: $"cache {{ purge-token = \"{purgeToken}\" }}");
        for (var node = 0; node < 3; node++) (await Get(cluster, node, "/doc?v=1")).Dispose();
        Assert.Equal(3, Enumerable.Range(0, 3).Sum(n => cluster[n].Runtime.Current.Caches!.Stores["site"].Count));

        async Task<HttpResponseMessage> Purge(string? token)
        {
            var request = new HttpRequestMessage(new HttpMethod("PURGE"), $"http://127.0.0.1:{cluster[1].Listeners["public"].Port}/doc?v=1");
            request.Headers.Host = "shop.example";
            if (token is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            return await Client.SendAsync(request);
        }

        using var missing = await Purge(null);
        using var wrong = await Purge("not-it");
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden), (missing.StatusCode, wrong.StatusCode));
        Assert.Contains("Bearer", missing.Headers.WwwAuthenticate.ToString());
        Assert.DoesNotContain(purgeToken, await missing.Content.ReadAsStringAsync() + await wrong.Content.ReadAsStringAsync());
        Assert.Equal(3, Enumerable.Range(0, 3).Sum(n => cluster[n].Runtime.Current.Caches!.Stores["site"].Count));

        using var purged = await Purge(purgeToken);
        var answer = System.Text.Json.JsonDocument.Parse(await purged.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        Assert.Equal("url http://shop.example/doc?v=1", answer.GetProperty("purged").GetString());
        Assert.Equal(3, answer.GetProperty("members").GetArrayLength());
        Assert.Equal(3, answer.GetProperty("members").EnumerateArray().Sum(m => m.GetProperty("removed").GetInt64()));
        Assert.Equal(0, Enumerable.Range(0, 3).Sum(n => cluster[n].Runtime.Current.Caches!.Stores["site"].Count));
        Assert.DoesNotContain(backend.Requests, r => r.RequestLine.StartsWith("PURGE", StringComparison.Ordinal));
        using var next = await Get(cluster, 2, "/doc?v=1");
        Assert.Contains("fwd=uri-miss", string.Join(", ", next.Headers.GetValues("Cache-Status")));
    }

    /// <summary>Bad input: a client's own <c>Proxy-Cache-*</c> fields do not steer the owner (a "local" request would run
    /// the owner's asking pipeline and prepare the request a second time): the origin gets the request once prepared,
    /// one X-Forwarded-For entry and one Via.</summary>
    [Fact]
    public async Task AClientsOwnCacheFields_DoNotSteerTheOwner()
    {
        await using var backend = new RawBackend(r => RawBackend.Ok("page " + r.RequestLine.Split(' ')[1], "Cache-Control: max-age=600\r\n"));
        await using var cluster = await Start(backend, nodes: 2);
        for (var i = 0; i < 10; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{cluster[0].Listeners["public"].Port}/z{i}");
            request.Headers.Host = "shop.example";
            request.Headers.Add("Proxy-Cache-Local", "1");
            request.Headers.Add("Proxy-Cache-Route", "elsewhere");
            using var response = await Client.SendAsync(request);
            Assert.Equal("page /z" + i, await response.Content.ReadAsStringAsync());
        }

        Assert.True(cluster[0].Runtime.Current.Caches!.Stores["site"].FromOwner > 0, "no key of ten owned by the other node");
        Assert.Equal(10, backend.Requests.Count);
        Assert.All(backend.Requests, r =>
        {
            Assert.Equal("127.0.0.1", r.Header("X-Forwarded-For"));
            Assert.Equal("1.1 akka-proxy", r.Header("Via"));
        });
    }

    /// <summary>The owner's listener is gone (its node crashed and the others do not know yet): requests for its keys go
    /// to the origin from the node that got them, with no error.</summary>
    [Fact]
    public async Task AnOwnerThatDoesNotAnswer_CostsAMiss_NotAnError()
    {
        await using var backend = new RawBackend(r => RawBackend.Ok("page " + r.RequestLine.Split(' ')[1], "Cache-Control: max-age=600\r\n"));
        await using var cluster = await Start(backend, nodes: 2);
        // Node 1's internal listener stops accepting; the cluster still has it Up and reachable.
        var peer = cluster[1].Listeners["cache:peers"];
        await cluster[1].System.ActorSelection("/user/listener-cache-peers").Ask<Proxy.Shared.Connections.StoppedAccepting>(Proxy.Shared.Connections.StopAccepting.Instance, TimeSpan.FromSeconds(5));
        var paths = Enumerable.Range(0, 20).Select(i => $"/q{i}").ToList();

        foreach (var path in paths)
        {
            using var response = await Get(cluster, 0, path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("page " + path, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(paths.Count, backend.Requests.Count);
        Assert.True(peer.Port > 0);
    }
}
