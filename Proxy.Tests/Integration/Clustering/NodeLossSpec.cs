using System.Diagnostics;
using System.Text.Json;
using Proxy.Tests.Integration.Support;
using Xunit;
using Xunit.Abstractions;

namespace Proxy.Tests.Integration.Clustering;

/// <summary>
/// C2, C4: nodes of a local cluster (scripts/cluster-up.sh, real processes) that leave by plan or are killed,
/// with the default settings of examples/cluster.hocon (drain-delay 5 s).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NodeLossSpec(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(5);
    private readonly LocalClusterRun _cluster = new(output);

    /// <summary>Point 4: SIGTERM to the leader and the pool's entity host (another node when they are one) at once:
    /// both are gone within drain-delay + 3 s, the survivor runs the pool's entity, and no node logs an error.</summary>
    [Fact]
    public async Task TheLeaderAndTheEntityHost_LeavingTogether_AreGoneWithinTheDrainDelayPlus3s()
    {
        await StartThreeNodes();
        var leader = await Leader(1);
        var host = await _cluster.EntityHost(1);
        Assert.InRange(host, 1, 3);
        var second = host != leader ? host : Enumerable.Range(1, 3).First(n => n != leader);
        var survivor = Enumerable.Range(1, 3).Single(n => n != leader && n != second);
        var pids = new[] { _cluster.Pid($"node-{leader}"), _cluster.Pid($"node-{second}") };
        var logLines = LogLength(survivor);

        var watch = Stopwatch.StartNew();
        Process.Start("kill", ["-TERM", pids[0].ToString(), pids[1].ToString()])!.WaitForExit();
        await Eventually.Holds(() => pids.All(p => !LocalClusterRun.IsRunning(p)), TimeSpan.FromSeconds(30), "both nodes exit");
        output.WriteLine($"leader (node {leader}) and node {second} (entity host: {host}) gone {watch.Elapsed.TotalSeconds:0.0} s after SIGTERM");
        Assert.True(watch.Elapsed <= DrainDelay + TimeSpan.FromSeconds(3),
            $"the two nodes took {watch.Elapsed.TotalSeconds:0.0} s to leave (drain-delay {DrainDelay.TotalSeconds:0} s + 3 s allowed)");

        await _cluster.OneClusterOf([survivor], TimeSpan.FromSeconds(10));
        await Eventually.Holds(async () => await _cluster.PbmJson(survivor, "pool", "demo") is { } pool && !pool.TryGetProperty("stale", out _),
            TimeSpan.FromSeconds(20), "the pool's entity answers on the survivor");
        // The survivor tells the planned leaves at info and logs no error for them (the remoting errors of their
        // shutdown are not failures).
        var survivorLog = File.ReadLines(LogOf(survivor)).Skip(logLines).ToList();
        foreach (var node in new[] { leader, second })
            Assert.Contains(survivorLog, l => l.Contains($"Cluster: node {_cluster.Address(node)} left", StringComparison.Ordinal));
        Assert.DoesNotContain(survivorLog, l => l.Contains(" fail: ", StringComparison.Ordinal));
    }

    /// <summary>Point 5: SIGKILL of the node that hosts the pool's entity while traffic runs against the others: no
    /// request fails on them, pbm answers through a survivor throughout (the last known state while the entity
    /// moves), the entity and its health checks run on a survivor within 30 s, and the killed node, started again
    /// with the same address, rejoins.</summary>
    [Fact]
    public async Task KillingTheEntityHostUnderLoad_FailsNoRequestOnTheSurvivors_AndThePoolRunsOnASurvivorWithin30s()
    {
        await StartThreeNodes();
        var host = await _cluster.EntityHost(1);
        Assert.InRange(host, 1, 3);
        var survivors = Enumerable.Range(1, 3).Where(n => n != host).ToArray();
        var (command, environment) = _cluster.CommandOf(host);
        using var stop = new CancellationTokenSource();
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        var traffic = survivors.Select(n => Traffic(client, n, stop.Token)).ToArray();
        await Task.Delay(500);

        var watch = Stopwatch.StartNew();
        _cluster.Signal(host, "KILL");
        TimeSpan? unreachable = null, removed = null, entityBack = null;
        var staleAnswers = 0;
        while (entityBack is null)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30),
                $"the pool's entity was not running on a survivor within 30 s (unreachable at {unreachable}, removed at {removed})");
            var show = await _cluster.PbmJson(survivors[0], "cluster", "show");
            Assert.True(show is not null, $"pbm cluster show through node {survivors[0]} failed {watch.Elapsed.TotalSeconds:0.0} s after the kill");
            var killed = show.Value.GetProperty("members").EnumerateArray()
                .Where(m => m.GetProperty("address").GetString() == _cluster.Address(host)).ToList();
            if (unreachable is null && killed.Any(m => !m.GetProperty("reachable").GetBoolean())) unreachable = watch.Elapsed;
            if (removed is null && killed.Count == 0) removed = watch.Elapsed;
            var pool = await _cluster.PbmJson(survivors[0], "pool", "demo");
            Assert.True(pool is not null, $"pbm pool demo through node {survivors[0]} failed {watch.Elapsed.TotalSeconds:0.0} s after the kill");
            if (pool.Value.TryGetProperty("stale", out var stale))
            {
                Assert.StartsWith("entity moving, last known state", stale.GetString());
                staleAnswers++;
            }
            else if (removed is not null && Array.IndexOf(survivors, await _cluster.EntityHost(survivors[0])) >= 0)
            {
                entityBack = watch.Elapsed;
            }
            await Task.Delay(250);
        }
        output.WriteLine($"after SIGKILL of node {host}: unreachable at {unreachable?.TotalSeconds:0.0} s, removed at " +
            $"{removed?.TotalSeconds:0.0} s, entity answering on a survivor at {entityBack?.TotalSeconds:0.0} s " +
            $"({staleAnswers} answers with the last known state meanwhile)");

        await stop.CancelAsync();
        var counts = await Task.WhenAll(traffic);
        for (var i = 0; i < survivors.Length; i++)
        {
            output.WriteLine($"node {survivors[i]}: {counts[i].Sent} requests, {counts[i].Failed.Count} failed");
            Assert.True(counts[i].Sent > 50, $"node {survivors[i]} carried only {counts[i].Sent} requests");
            Assert.True(counts[i].Failed.Count == 0, $"node {survivors[i]}: {string.Join("; ", counts[i].Failed.Take(5))}");
        }

        // Active health checks run again, from the new entity: a backend killed now is avoided by both survivors.
        Process.Start("kill", ["-KILL", _cluster.Pid("backend-b").ToString()])!.WaitForExit();
        await Eventually.Holds(async () => await _cluster.PbmJson(survivors[0], "pool", "demo") is { } pool &&
                pool.GetProperty("backends").EnumerateArray().Any(b => !b.GetProperty("healthy").GetBoolean()),
            TimeSpan.FromSeconds(15), "the health checks mark the killed backend unhealthy");
        foreach (var node in survivors)
            await Eventually.Holds(async () =>
            {
                for (var i = 0; i < 10; i++)
                    if (await client.GetStringAsync($"http://127.0.0.1:{_cluster.HttpPort(node)}/x") != "Hello from backend-a: GET /x\n")
                        return false;
                return true;
            }, TimeSpan.FromSeconds(5), $"node {node} sends every request to the healthy backend");

        _cluster.StartAgain(host, command, environment);
        await _cluster.OneClusterOf([1, 2, 3], TimeSpan.FromSeconds(60));
    }

    private async Task StartThreeNodes()
    {
        _cluster.WithPortsFor(3);
        var up = await _cluster.Script("cluster-up.sh", "3");
        Assert.True(up.Code == 0, up.Err);
        await Eventually.Holds(async () => await _cluster.EntityHost(1) != 0, TimeSpan.FromSeconds(20), "the pool's entity runs");
    }

    private async Task<int> Leader(int askNode)
    {
        var show = await _cluster.PbmJson(askNode, "cluster", "show");
        var leader = show!.Value.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("leader").GetBoolean());
        var address = leader.GetProperty("address").GetString()!;
        return Enumerable.Range(1, 3).Single(n => _cluster.Address(n) == address);
    }

    /// <summary>GETs through node n until stopped, alternating a kept-alive connection and a new one per request.</summary>
    private async Task<(int Sent, List<string> Failed)> Traffic(HttpClient client, int node, CancellationToken stop)
    {
        var failed = new List<string>();
        var sent = 0;
        var url = $"http://127.0.0.1:{_cluster.HttpPort(node)}/x";
        while (!stop.IsCancellationRequested && sent < 20_000)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.ConnectionClose = sent % 2 == 1;
            sent++;
            try
            {
                using var response = await client.SendAsync(request, CancellationToken.None);
                var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                if (!response.IsSuccessStatusCode || !body.StartsWith("Hello from backend-", StringComparison.Ordinal))
                    failed.Add($"{DateTime.Now:HH:mm:ss.fff} {(int)response.StatusCode} {body.Trim()}");
            }
            catch (HttpRequestException e)
            {
                failed.Add($"{DateTime.Now:HH:mm:ss.fff} {e.Message}");
            }
            await Task.Delay(20, CancellationToken.None);
        }
        return (sent, failed);
    }

    private string LogOf(int node) => Path.Combine(_cluster.RunDir, "logs", $"node-{node}.err");

    private int LogLength(int node) => File.ReadLines(LogOf(node)).Count();

    public void Dispose() => _cluster.Dispose();
}
