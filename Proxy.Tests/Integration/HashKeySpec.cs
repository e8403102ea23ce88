using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>Consistent hashing through a real node: the configured header or cookie decides the backend.</summary>
public sealed class HashKeySpec
{
    private static async Task<string> Get(HttpClient client, Uri uri, string? header = null, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (header is not null) request.Headers.Add("X-User", header);
        if (cookie is not null) request.Headers.Add("Cookie", "theme=dark; sid=" + cookie + "; x=1");
        using var response = await client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Theory]
    [InlineData("\"header:X-User\"")]
    [InlineData("\"cookie:sid\"")]
    public async Task SameKey_SameBackend_AndKeysSpreadOverBackends(string hashKey)
    {
        await using var a = await ControllableBackend.StartAsync("a");
        await using var b = await ControllableBackend.StartAsync("b");
        await using var node = await TestNode.StartAsync($$"""
            pools { main { policy = consistent-hash, hash-key = {{hashKey}}, backends = [ "{{a.Address}}", "{{b.Address}}" ] } }
            routes = [ { name = default, pool = main } ]
            """);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false });
        var byHeader = hashKey.Contains("header");
        var seen = new HashSet<string>();
        for (var user = 0; user < 24; user++)
        {
            var key = "user-" + user;
            var first = await Get(client, node.BaseUri(), byHeader ? key : null, byHeader ? null : key);
            for (var again = 0; again < 3; again++)
                Assert.Equal(first, await Get(client, node.BaseUri(), byHeader ? key : null, byHeader ? null : key));
            seen.Add(first);
        }
        Assert.Equal(["a", "b"], seen.Order());
        // No key: round robin, so both backends answer.
        var keyless = new HashSet<string>();
        for (var i = 0; i < 4; i++) keyless.Add(await Get(client, node.BaseUri()));
        Assert.Equal(2, keyless.Count);
    }
}
