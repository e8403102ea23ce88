using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Persistence;

/// <summary>
/// C1: an admin change the journal refuses is reported as not applied (503, and pbm exits 1 with the reason),
/// never as a change that "may still apply". Provoked as issue 20 saw it: two clusters writing one journal.
/// </summary>
public sealed class JournalFailureSpec
{
    private const string Token = "journal-failure-spec-token";

    private static string Config(int backendPort) => $$"""
        admin { token = "{{Token}}" }
        pools { main { backends = [ "127.0.0.1:{{backendPort}}", "127.0.0.1:{{backendPort + 1}}" ] } }
        routes = [ { name = default, pool = main } ]
        """;

    private static async Task<(HttpStatusCode Status, string Body)> SetWeight(ProxyNode node, string backend, int weight)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.Admin.Port}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await http.PostAsync($"api/pools/main/weight?backend={backend}&value={weight}", null);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<HttpStatusCode> GetPool(ProxyNode node)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.Admin.Port}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await http.GetAsync("api/pools/main");
        return response.StatusCode;
    }

    [Fact]
    public async Task AChangeTheJournalRefuses_IsReportedAsNotApplied()
    {
        var journal = TestDataDirectory.Create();
        var backend = PortFinder.Free();
        // Two single-node clusters on one journal: each recovers the pool entity at start, so the second one to
        // write uses a sequence number the first already took.
        await using var first = await TestNode.StartAsync(Config(backend), dataDir: journal);
        await using var second = await TestNode.StartAsync(Config(backend), dataDir: journal);
        foreach (var node in new[] { first, second })
            await Eventually.Holds(async () => (await GetPool(node)) == HttpStatusCode.OK, TimeSpan.FromSeconds(20),
                "each node's pool entity has recovered and answers");

        // Which node's entity is behind the journal depends on the order the two incarnations persisted their start
        // (each persists PoolEntityStarted first): one change at least meets a sequence number already taken, and
        // every change is either applied or answered as not applied — never "may still apply".
        var answers = new[]
        {
            await SetWeight(first, $"127.0.0.1:{backend}", 3),
            await SetWeight(second, $"127.0.0.1:{backend + 1}", 5),
        };
        Assert.Contains(answers, a => a.Status == HttpStatusCode.ServiceUnavailable);
        foreach (var (status, body) in answers)
        {
            Assert.DoesNotContain("may still apply", body);
            if (status == HttpStatusCode.OK) continue;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.StartsWith("not applied: journal write failed: ", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!);
        }
    }
}
