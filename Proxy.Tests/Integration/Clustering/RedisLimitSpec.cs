using System.Net;
using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Clustering;

/// <summary>L3: limits shared through a real redis-server by two nodes that are NOT one cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RedisLimitSpec
{
    private static Task<ProxyNode> StartNode(int backendPort, string redis, string failure) => TestNode.StartAsync($$"""
        pools { main { backends = [ "127.0.0.1:{{backendPort}}" ] } }
        routes = [ { name = default, pool = main } ]
        redis = "{{redis}}"
        rate-limits = [ { name = shared, key = "header:X-Client", rate = "6/min", burst = 10, store = redis, on-store-failure = {{failure}} } ]
        """);

    private static async Task<HttpStatusCode> Get(HttpClient client, ProxyNode node, string clientId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node.BaseUri(), "/x"));
        request.Headers.Add("X-Client", clientId);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task TwoSeparateNodes_ShareOneBudget_AndRedisDown_AppliesAllowOrDenyAtOnce_ThenLimitsResume()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var backend = new RawBackend(_ => RawBackend.Ok("fine"));
        await using var allowNode = await StartNode(backend.Port, redis.ConnectionString, "allow");
        await using var denyNode = await StartNode(backend.Port, redis.ConnectionString, "deny");
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.Holds(async () => await Get(client, allowNode, "probe") == HttpStatusCode.OK, TimeSpan.FromSeconds(10),
            "the nodes reach Redis");

        // One budget of 10 across both nodes (they are two one-node clusters; Redis is all they share).
        var admitted = 0;
        for (var i = 0; i < 30; i++)
            if (await Get(client, i % 2 == 0 ? allowNode : denyNode, "grace") == HttpStatusCode.OK) admitted++;
        Assert.Equal(10, admitted);

        // Redis goes away: allow admits, deny refuses, and no request waits for Redis (the client timeout is 5 s).
        await redis.StopAsync();
        await Eventually.Holds(async () => await Get(client, denyNode, "heidi") == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(10), "deny refuses while Redis is down");
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await Get(client, allowNode, $"ivan-{i}"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await Get(client, denyNode, $"judy-{i}"));
        }

        // Redis is back (empty): limits apply again on both nodes (each reconnects on its own schedule).
        await redis.RestartAsync();
        await Eventually.Holds(async () => await Get(client, denyNode, "kim") == HttpStatusCode.OK, TimeSpan.FromSeconds(15),
            "deny admits again once Redis answers");
        var probe = 0;
        await Eventually.Holds(async () =>
        {
            var key = $"probe-{probe++}";
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 11; i++) statuses.Add(await Get(client, allowNode, key));
            return statuses[^1] == (HttpStatusCode)429;
        }, TimeSpan.FromSeconds(15), "allow limits again once Redis answers");
        var afterwards = 0;
        for (var i = 0; i < 20; i++)
            if (await Get(client, i % 2 == 0 ? allowNode : denyNode, "lena") == HttpStatusCode.OK) afterwards++;
        Assert.Equal(10, afterwards);
    }
}
