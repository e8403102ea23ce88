using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Proxy.Tests.Integration.Clustering;
using Proxy.Tests.Integration.Support;
using Xunit;
using Xunit.Abstractions;

namespace Proxy.Tests.Integration.Caching;

/// <summary>
/// Issue 15 (E5) target: a node of a three-node cluster (real processes) is killed (SIGKILL) while the others serve
/// requests for every key, its own among them; no request fails: a key whose owner is gone is fetched from the origin
/// by the node that got it (a cold miss, never an error) until the others see the owner gone and move its keys.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterCacheNodeLossSpec(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Token = "cache-loss-token-91b4";
    private static readonly string[] Paths = Enumerable.Range(0, 30).Select(i => $"/k{i}").ToArray();
    private readonly List<NodeProcess> _nodes = [];
    private readonly int[] _public = [PortFinder.Free(), PortFinder.Free(), PortFinder.Free()];
    private readonly int[] _admin = [PortFinder.Free(), PortFinder.Free(), PortFinder.Free()];
    private readonly int[] _remoting = [PortFinder.Free(), PortFinder.Free(), PortFinder.Free()];

    [Fact]
    public async Task KillingANode_WhileItsKeysAreAskedFor_FailsNoRequest()
    {
        await using var backend = new RawBackend(r => RawBackend.Ok("body of " + r.RequestLine.Split(' ')[1], "Cache-Control: max-age=600\r\n"));
        for (var i = 0; i < 3; i++) _nodes.Add(StartNode(i, backend.Port));
        for (var i = 0; i < 3; i++) await _nodes[i].WaitReadyAsync(_admin[i], TimeSpan.FromSeconds(60));
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.Holds(async () => (await Owners(client, 0)).All(o => o == 3), TimeSpan.FromSeconds(30),
            "every node spreads the keys over three members");
        foreach (var path in Paths) Assert.Equal(HttpStatusCode.OK, (await Get(client, 0, path)).Status);
        var stored = await StoredPerNode(client);
        output.WriteLine($"keys stored per node before the kill: {string.Join(", ", stored)}");
        Assert.True(stored[2] > 0, "node 3 owns none of 30 keys");
        var originBefore = backend.Requests.Count;

        var killed = _nodes[2];
        _nodes.Remove(killed);
        await killed.DisposeAsync(); // SIGKILL
        var failures = new List<string>();
        var sent = 0;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(12);
        while (DateTime.UtcNow < until)
        {
            foreach (var path in Paths)
            {
                var (status, body) = await Get(client, sent++ % 2, path);
                if (status != HttpStatusCode.OK || body != "body of " + path) failures.Add($"{path}: {(int)status} {body}");
            }
        }

        output.WriteLine($"{sent} requests after the kill, {failures.Count} failed, {backend.Requests.Count - originBefore} went to the origin");
        Assert.Empty(failures);
        // Node 3's keys were fetched again (by the node asked, or by their new owner), the others' were not.
        Assert.InRange(backend.Requests.Count - originBefore, 1, sent - 1);
        await Eventually.Holds(async () => (await Owners(client, 0)).All(o => o == 2), TimeSpan.FromSeconds(30),
            "the survivors spread the keys over the two of them");
    }

    private NodeProcess StartNode(int i, int backendPort) => NodeProcess.Start($$"""
        proxy {
          listeners = [ { name = public, address = "127.0.0.1:{{_public[i]}}", mode = reverse } ]
          admin { address = "127.0.0.1:{{_admin[i]}}", token = "{{Token}}" }
          access-log { enabled = off }
          shutdown { drain-delay = 0s }
          pools { web { backends = [ "127.0.0.1:{{backendPort}}" ] } }
          routes = [ { name = site, pool = web, cache { } } ]
        }
        """, new Dictionary<string, string> { ["PROXY_PORT"] = _remoting[i].ToString(), ["PROXY_SEEDS"] = $"127.0.0.1:{_remoting[0]}" });

    private async Task<(HttpStatusCode Status, string Body)> Get(HttpClient client, int node, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_public[node]}{path}");
        request.Headers.Host = "shop.example";
        try
        {
            using var response = await client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, e.Message);
        }
    }

    private async Task<JsonElement> Stats(HttpClient client, int node)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_admin[node]}/api/cache/stats");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await client.SendAsync(request);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    /// <summary>How many members each answering node spreads the keys over.</summary>
    private async Task<IReadOnlyList<int>> Owners(HttpClient client, int node) =>
        (await Stats(client, node)).GetProperty("owners").EnumerateArray().Select(o => o.GetProperty("members").GetArrayLength()).ToList();

    private async Task<long[]> StoredPerNode(HttpClient client)
    {
        var rows = (await Stats(client, 0)).GetProperty("nodes").EnumerateArray().ToList();
        return Enumerable.Range(0, 3).Select(i => rows.Where(r => r.GetProperty("node").GetString()!.EndsWith(":" + _remoting[i], StringComparison.Ordinal))
            .Sum(r => r.GetProperty("entries").GetInt64())).ToArray();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Every node process ends with the test (xunit v2 disposes through IAsyncLifetime, not IAsyncDisposable).</summary>
    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
    }
}
