using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Proxy.Tests.Integration.Support;
using Xunit;
using Xunit.Abstractions;

namespace Proxy.Tests.Integration.Clustering;

/// <summary>
/// C1 with PROXY_DISCOVERY=kubernetes: real node processes find each other by asking a Kubernetes pods API
/// (<see cref="FakeKubernetesApi"/>, HTTPS on 127.0.0.1 with a CA of the test's own, trusted through
/// PROXY_K8S_API_CA_PATH), and form one cluster by Cluster Bootstrap. The API sees the label selector and the
/// token of PROXY_K8S_API_TOKEN_PATH; a lone pod with two contact points required does not form a cluster.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KubernetesDiscoverySpec(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Namespace = "proxy-test";
    private const string AdminToken = "k8s-spec-admin-token";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"proxy-k8s-{Guid.NewGuid():N}");
    private readonly string _apiToken = $"sa-token-{Guid.NewGuid():N}";
    private readonly List<NodeProcess> _nodes = [];
    private FakeKubernetesApi _api = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        await File.WriteAllTextAsync(Path.Combine(_dir, "token"), _apiToken);
        _api = await FakeKubernetesApi.StartAsync(_dir, Namespace);
    }

    private sealed record Node(NodeProcess Process, int Admin, int Management);

    /// <summary>A node as a pod would run it: Kubernetes discovery, the API's address in the service variables,
    /// its management port as listed in the pod spec, everything on 127.0.0.1.</summary>
    private Node StartNode(int management, int requiredContactPoints = 2)
    {
        var admin = PortFinder.Free();
        var config = $$"""
            proxy {
              listeners = [ { name = public, address = "127.0.0.1:{{PortFinder.Free()}}" } ]
              admin { address = "127.0.0.1:{{admin}}", token = "{{AdminToken}}" }
              pools { api { backends = [ { address = "127.0.0.1:9" } ] } }
              routes = [ { name = r, pool = api } ]
            }
            """;
        var process = NodeProcess.Start(config, new Dictionary<string, string>
        {
            ["PROXY_HOSTNAME"] = "127.0.0.1",
            ["PROXY_PORT"] = PortFinder.Free().ToString(),
            ["PROXY_MANAGEMENT_PORT"] = management.ToString(),
            ["PROXY_DISCOVERY"] = "kubernetes",
            ["PROXY_K8S_NAMESPACE"] = Namespace,
            ["PROXY_REQUIRED_CONTACT_POINTS"] = requiredContactPoints.ToString(),
            ["PROXY_K8S_API_TOKEN_PATH"] = Path.Combine(_dir, "token"),
            ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1",
            ["KUBERNETES_SERVICE_PORT"] = _api.Port.ToString(),
            ["PROXY_K8S_API_CA_PATH"] = _api.CaPath,
        });
        _nodes.Add(process);
        return new Node(process, admin, management);
    }

    /// <summary>The members the node's admin API reports (address, status), or null while it cannot answer.</summary>
    private static async Task<List<(string Address, string Status)>?> Members(int admin)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{admin}/api/cluster/members");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        try
        {
            using var response = await http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK) return null;
            var members = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("members");
            return members.EnumerateArray().Select(m => (m.GetProperty("address").GetString()!, m.GetProperty("status").GetString()!)).ToList();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task<HttpStatusCode?> Ready(int admin)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            return (await http.GetAsync($"http://127.0.0.1:{admin}/ready")).StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Every node reports the same two members, both Up.</summary>
    private static async Task OneClusterOfTwo(Node a, Node b)
    {
        List<(string Address, string Status)>? seenByA = null;
        await Eventually.Holds(async () =>
        {
            seenByA = await Members(a.Admin);
            var seenByB = await Members(b.Admin);
            return seenByA is { Count: 2 } && seenByB is { Count: 2 }
                && seenByA.All(m => m.Status == "Up") && seenByB.All(m => m.Status == "Up")
                && seenByA.Select(m => m.Address).Order().SequenceEqual(seenByB.Select(m => m.Address).Order());
        }, TimeSpan.FromSeconds(40), "both nodes report one cluster of two Up members");
        Assert.Equal(2, seenByA!.Select(m => m.Address).Distinct().Count());
    }

    [Fact]
    public async Task TwoPodsListedByTheApi_FormOneCluster_AndTheApiSawTheSelectorAndTheTokenFile()
    {
        int m1 = PortFinder.Free(), m2 = PortFinder.Free();
        _api.ListPods(m1, m2);
        var a = StartNode(m1);
        var b = StartNode(m2);

        await OneClusterOfTwo(a, b);
        await a.Process.WaitReadyAsync(a.Admin, TimeSpan.FromSeconds(20));
        await b.Process.WaitReadyAsync(b.Admin, TimeSpan.FromSeconds(20));

        var requests = _api.Requests;
        Assert.NotEmpty(requests);
        Assert.All(requests, r =>
        {
            Assert.Equal($"/api/v1/namespaces/{Namespace}/pods", r.Path);
            Assert.Equal("app=proxy", r.LabelSelector);
            Assert.Equal($"Bearer {_apiToken}", r.Authorization);
        });
        // The API token is a secret: no node logs it.
        Assert.All(_nodes, n => Assert.DoesNotContain(_apiToken, n.Stderr + n.Stdout));
    }

    [Fact]
    public async Task ALonePod_WithTwoContactPointsRequired_FormsNoCluster_UntilTheSecondPodIsListedAndStarts()
    {
        int m1 = PortFinder.Free(), m2 = PortFinder.Free();
        _api.ListPods(m1);
        var a = StartNode(m1, requiredContactPoints: 2);

        // The lone node asks the API (and so runs its bootstrap) but finds one contact point of the two required.
        await Eventually.Holds(() => _api.Requests.Count >= 2, TimeSpan.FromSeconds(30), "the lone node asks the pods API");
        var notReadyFor = TimeSpan.FromSeconds(8);
        var until = DateTime.UtcNow + notReadyFor;
        while (DateTime.UtcNow < until)
        {
            Assert.False(a.Process.HasExited, a.Process.Stderr);
            Assert.NotEqual(HttpStatusCode.OK, await Ready(a.Admin));
            Assert.DoesNotContain(await Members(a.Admin) ?? [], m => m.Status == "Up");
            await Task.Delay(500);
        }

        _api.ListPods(m1, m2);
        var b = StartNode(m2, requiredContactPoints: 2);
        await OneClusterOfTwo(a, b);
        await a.Process.WaitReadyAsync(a.Admin, TimeSpan.FromSeconds(20));
    }

    public async Task DisposeAsync()
    {
        for (var i = 0; i < _nodes.Count; i++)
        {
            output.WriteLine($"--- node {i + 1} stderr ---\n{_nodes[i].Stderr}");
            await _nodes[i].DisposeAsync();
        }
        await _api.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
