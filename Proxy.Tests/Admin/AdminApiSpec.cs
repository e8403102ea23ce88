using Xunit;
using System.Net;
using System.Text.Json;
using Proxy.Tests.Integration.Clustering;
using Proxy.Tests.Integration.Support;

namespace Proxy.Tests.Admin;

/// <summary>
/// The admin API over real HTTP on a real two-node cluster: the token guard, the documents pbm reads, and a
/// clear JSON error for every bad input, after which the node still answers.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AdminApiSpec(AdminClusterFixture fixture) : IClassFixture<AdminClusterFixture>
{
    private static async Task<(HttpStatusCode Status, JsonElement Json)> Send(HttpClient client, HttpMethod method, string path)
    {
        using var response = await client.SendAsync(new HttpRequestMessage(method, path));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return (response.StatusCode, JsonDocument.Parse(body).RootElement.Clone());
    }

    private static string Error(JsonElement json) => json.GetProperty("error").GetString()!;

    [Theory]
    [InlineData(null, "missing admin token")]
    [InlineData("wrong-token", "invalid admin token")]
    public async Task Api_WithoutTheRightToken_Is401_WithAClearError_AndNeverEchoesTheToken(string? token, string message)
    {
        using var client = fixture.Admin(0, token);
        foreach (var path in new[] { "api/cluster/members", "api/pools", "api/no-such-thing" })
        {
            using var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Contains(message, body);
            Assert.DoesNotContain(AdminClusterFixture.Token, body);
            if (token is not null) Assert.DoesNotContain(token, body);
        }
        var post = await Send(client, HttpMethod.Post, "api/pools/edit/drain?backend=" + fixture.A.Address);
        Assert.Equal(HttpStatusCode.Unauthorized, post.Status);
        Assert.False(fixture.Cluster.BackendOn(0, "edit", fixture.A.Address).ClusterState!.Drained);
    }

    [Fact]
    public async Task Api_RefusesOtherSchemesAndRepeatedHeaders()
    {
        using var client = fixture.Admin(0, token: null);
        var basic = new HttpRequestMessage(HttpMethod.Get, "api/pools");
        basic.Headers.TryAddWithoutValidation("Authorization", "Basic " + AdminClusterFixture.Token);
        using (var response = await client.SendAsync(basic)) Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var twice = new HttpRequestMessage(HttpMethod.Get, "api/pools");
        twice.Headers.TryAddWithoutValidation("Authorization", ["Bearer " + AdminClusterFixture.Token, "Bearer x"]);
        using (var response = await client.SendAsync(twice)) Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        // The scheme name is case-insensitive (RFC 9110 §11.1).
        var lower = new HttpRequestMessage(HttpMethod.Get, "api/pools");
        lower.Headers.TryAddWithoutValidation("Authorization", "bearer " + AdminClusterFixture.Token);
        using (var response = await client.SendAsync(lower)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Probes_NeedNoToken()
    {
        using var client = fixture.Admin(1, token: null);
        Assert.Equal("ok\n", await client.GetStringAsync("health"));
        Assert.Equal("ready\n", await client.GetStringAsync("ready"));
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "ready"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        using var unknown = await client.GetAsync("nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Members_ListsBothNodesUp_FromEitherNode()
    {
        for (var i = 0; i < 2; i++)
        {
            using var client = fixture.Admin(i);
            var (status, json) = await Send(client, HttpMethod.Get, "api/cluster/members");
            Assert.Equal(HttpStatusCode.OK, status);
            var members = json.GetProperty("members").EnumerateArray().ToList();
            Assert.Equal(2, members.Count);
            foreach (var m in members)
            {
                Assert.StartsWith("akka.tcp://proxy@127.0.0.1:", m.GetProperty("address").GetString());
                Assert.Equal("Up", m.GetProperty("status").GetString());
                Assert.Equal(["proxy"], m.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
                Assert.True(m.GetProperty("reachable").GetBoolean());
            }
            Assert.Single(members, m => m.GetProperty("self").GetBoolean());
            Assert.Single(members, m => m.GetProperty("leader").GetBoolean());
        }
    }

    [Fact]
    public async Task Sharding_RegionsAndStats_CountThePoolEntitiesOnce()
    {
        using var client = fixture.Admin(1);
        var regions = await Send(client, HttpMethod.Get, "api/sharding/regions");
        Assert.Equal(["backend-pool", "quota", "rate-limiter"], regions.Json.GetProperty("regions").EnumerateArray().Select(r => r.GetString()));

        var regionStats = await Send(client, HttpMethod.Get, "api/sharding/regions/backend-pool");
        Assert.Equal(HttpStatusCode.OK, regionStats.Status);
        Assert.Equal("backend-pool", regionStats.Json.GetProperty("type").GetString());
        var perRegion = regionStats.Json.GetProperty("regions").EnumerateArray().ToList();
        Assert.Equal(2, perRegion.Count);
        Assert.Equal(2, perRegion.Sum(r => r.GetProperty("entities").GetInt32()));

        var shardStats = await Send(client, HttpMethod.Get, "api/sharding/regions/backend-pool/shards");
        var shards = shardStats.Json.GetProperty("shards").EnumerateArray().ToList();
        Assert.Equal(2, shards.Sum(s => s.GetProperty("entities").GetInt32()));
        Assert.All(shards, s => Assert.StartsWith("akka.tcp://proxy@", s.GetProperty("address").GetString()));
        Assert.Empty(shardStats.Json.GetProperty("failed").EnumerateArray());
    }

    [Fact]
    public async Task Pools_AndPool_DescribeEveryBackend()
    {
        using var client = fixture.Admin(0);
        var pools = await Send(client, HttpMethod.Get, "api/pools");
        var list = pools.Json.GetProperty("pools").EnumerateArray().ToList();
        Assert.Equal(["api", "edit"], list.Select(p => p.GetProperty("pool").GetString()));
        Assert.Equal("least-requests", list[0].GetProperty("policy").GetString());
        Assert.All(list, p => Assert.Equal(2, p.GetProperty("backends").GetInt32()));

        var pool = await Send(client, HttpMethod.Get, "api/pools/api");
        Assert.Equal(HttpStatusCode.OK, pool.Status);
        Assert.Equal("api", pool.Json.GetProperty("pool").GetString());
        var backends = pool.Json.GetProperty("backends").EnumerateArray().ToList();
        Assert.Equal([fixture.A.Address, fixture.B.Address], backends.Select(b => b.GetProperty("address").GetString()));
        Assert.All(backends, b =>
        {
            Assert.True(b.GetProperty("healthy").GetBoolean());
            Assert.Equal("unknown", b.GetProperty("health").GetString()); // no active health check in this pool
            Assert.Equal("closed", b.GetProperty("breaker").GetString());
            Assert.False(b.GetProperty("drained").GetBoolean());
            Assert.Equal(1, b.GetProperty("weight").GetInt32());
            Assert.Equal(0, b.GetProperty("inFlight").GetInt32());
            Assert.Equal(JsonValueKind.Number, b.GetProperty("errorRate").ValueKind);
            Assert.Equal(JsonValueKind.Number, b.GetProperty("latencyMs").ValueKind);
        });
    }

    [Fact]
    public async Task DrainAndWeight_ThroughOneNode_ApplyOnBoth_AndAreUndone()
    {
        using var client = fixture.Admin(1);
        var drain = await Send(client, HttpMethod.Post, $"api/pools/edit/drain?backend={fixture.B.Address}");
        Assert.Equal(HttpStatusCode.OK, drain.Status);
        Assert.True(drain.Json.GetProperty("ok").GetBoolean());
        var weight = await Send(client, HttpMethod.Post, $"api/pools/edit/weight?backend={fixture.A.Address}&value=7");
        Assert.Equal(HttpStatusCode.OK, weight.Status);
        await Eventually.Holds(() => Enumerable.Range(0, 2).All(i =>
                fixture.Cluster.BackendOn(i, "edit", fixture.B.Address).ClusterState!.Drained &&
                fixture.Cluster.BackendOn(i, "edit", fixture.A.Address).ClusterState!.Weight == 7),
            TimeSpan.FromSeconds(5), "both nodes apply the drain and the weight");

        Assert.Equal(HttpStatusCode.OK, (await Send(client, HttpMethod.Post, $"api/pools/edit/undrain?backend={fixture.B.Address}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(client, HttpMethod.Post, $"api/pools/edit/weight?backend={fixture.A.Address}&value=1")).Status);
        await Eventually.Holds(() => Enumerable.Range(0, 2).All(i =>
                !fixture.Cluster.BackendOn(i, "edit", fixture.B.Address).ClusterState!.Drained &&
                fixture.Cluster.BackendOn(i, "edit", fixture.A.Address).ClusterState!.Weight == 1),
            TimeSpan.FromSeconds(5), "both nodes undo them");
    }

    [Theory]
    [InlineData("GET", "api/pools/nope", 404, "no pool named 'nope'")]
    [InlineData("POST", "api/pools/nope/drain?backend=127.0.0.1:1", 404, "no pool named 'nope'")]
    [InlineData("POST", "api/pools/edit/drain", 400, "missing query parameter 'backend'")]
    [InlineData("POST", "api/pools/edit/undrain?backend=127.0.0.1:1", 404, "has no backend '127.0.0.1:1'")]
    [InlineData("POST", "api/pools/edit/weight?backend={A}&value=-1", 400, "whole number from 0 to 1000")]
    [InlineData("POST", "api/pools/edit/weight?backend={A}&value=1001", 400, "whole number from 0 to 1000")]
    [InlineData("POST", "api/pools/edit/weight?backend={A}&value=abc", 400, "whole number from 0 to 1000")]
    [InlineData("POST", "api/pools/edit/weight?backend={A}", 400, "whole number from 0 to 1000")]
    [InlineData("POST", "api/cluster/leave", 400, "missing query parameter 'address'")]
    [InlineData("POST", "api/cluster/leave?address=nonsense", 400, "host:port with a port from 1 to 65535")]
    [InlineData("POST", "api/cluster/down?address=127.0.0.1:99999", 400, "port from 1 to 65535")]
    [InlineData("POST", "api/cluster/down?address=akka.tcp://other@127.0.0.1:4053", 400, "names actor system 'other'")]
    [InlineData("POST", "api/cluster/leave?address=127.0.0.1:1", 404, "is not a member of this cluster")]
    [InlineData("POST", "api/cluster/join?address=:5", 400, "host:port")]
    [InlineData("GET", "api/sharding/regions/nope", 404, "no shard region of type 'nope'")]
    [InlineData("GET", "api/sharding/regions/nope/shards", 404, "no shard region of type 'nope'")]
    [InlineData("GET", "api/cluster/leave", 404, "no admin endpoint GET /api/cluster/leave")]
    [InlineData("DELETE", "api/pools", 404, "no admin endpoint DELETE /api/pools")]
    public async Task BadInput_GetsAClearJsonError_AndTheNodeKeepsServing(string method, string path, int status, string message)
    {
        using var client = fixture.Admin(0);
        var (code, json) = await Send(client, new HttpMethod(method), path.Replace("{A}", fixture.A.Address));
        Assert.Equal(status, (int)code);
        Assert.Contains(message, Error(json));
        Assert.Equal(HttpStatusCode.OK, (await Send(client, HttpMethod.Get, "api/cluster/members")).Status);
        Assert.Equal(2, fixture.Cluster.Running.Count());
    }

    [Fact]
    public async Task ANodeWithoutAToken_KeepsTheApiOff_ButServesProbes()
    {
        await using var node = await TestNode.StartAsync("");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.Admin.Port}/") };
        client.DefaultRequestHeaders.Authorization = new("Bearer", "anything");
        var (status, json) = await Send(client, HttpMethod.Get, "api/cluster/members");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("no admin token is configured", Error(json));
        Assert.Equal("ok\n", await client.GetStringAsync("health"));
    }
}
