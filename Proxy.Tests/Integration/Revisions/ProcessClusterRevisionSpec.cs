using System.Diagnostics;
using Proxy.Tests.Integration.Clustering;
using Proxy.Tests.Integration.Support;
using Xunit;
using Xunit.Abstractions;

namespace Proxy.Tests.Integration.Revisions;

/// <summary>
/// Issue 13 part 3 (O6) on real processes: a local cluster from scripts/cluster-up.sh (every node runs
/// examples/cluster.hocon with its own addresses from the environment). One <c>pbm config apply</c> of an edited copy
/// becomes every node's revision; a node restarted from the unedited file runs the cluster's revision again; SIGHUP
/// does not end a node and applies its file.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ProcessClusterRevisionSpec(ITestOutputHelper output) : IDisposable
{
    private readonly LocalClusterRun _cluster = new(output);

    [Fact]
    public async Task OneApply_ReachesEveryProcess_ARestartedNodeRunsItAgain_AndSighupAppliesTheFile()
    {
        _cluster.WithPortsFor(3);
        var up = await _cluster.Script("cluster-up.sh", "3");
        Assert.True(up.Code == 0, up.Err);
        var edited = Path.Combine(_cluster.RunDir, "edited.hocon");
        var original = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "examples", "cluster.hocon"));
        const string route = "{ name = default, pool = demo }";
        Assert.Contains(route, original);
        await File.WriteAllTextAsync(edited, original.Replace(route,
            """{ name = default, pool = demo, transforms { response-headers { set { X-Revision = "edited" } } } }"""));

        var apply = await _cluster.Script("pbm", "--host", _cluster.AdminHost(2), "config", "apply", edited);

        Assert.True(apply.Code == 0, apply.Out + apply.Err);
        Assert.Contains("revision 1 stored; 3 of 3 member(s) run it", apply.Out);
        for (var node = 1; node <= 3; node++) Assert.Equal("edited", await RevisionHeader(node));

        // Node 3 starts again from the unedited examples/cluster.hocon: it runs the cluster's revision before it is ready.
        await _cluster.RestartNodeAsync(3);
        await _cluster.OneClusterOf([1, 2, 3], TimeSpan.FromSeconds(60));
        await Eventually.Holds(async () => await _cluster.PbmJson(3, "config", "status") is { } status
            && status.GetProperty("drift").GetArrayLength() == 0 && status.GetProperty("members").GetArrayLength() == 3,
            TimeSpan.FromSeconds(30), "every member on revision 1 after the restart");
        Assert.Equal("edited", await RevisionHeader(3));

        // SIGHUP applies the node's file (the unedited one) as the next revision; the node keeps running.
        var pid = _cluster.Pid("node-1");
        Process.Start("kill", ["-HUP", pid.ToString()])!.WaitForExit();
        await Eventually.Holds(async () => await _cluster.PbmJson(1, "config", "status") is { } status
            && status.GetProperty("latest").GetInt64() == 2 && status.GetProperty("drift").GetArrayLength() == 0,
            TimeSpan.FromSeconds(30), "revision 2 (the file, after SIGHUP) on every member");
        Assert.True(LocalClusterRun.IsRunning(pid), "SIGHUP must not end the node");
        for (var node = 1; node <= 3; node++) Assert.Null(await RevisionHeader(node));
        var shown = await _cluster.PbmJson(2, "config", "show");
        Assert.Contains("SIGHUP: ", shown!.Value.GetProperty("source").GetString());
    }

    private async Task<string?> RevisionHeader(int node)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var response = await client.GetAsync($"http://127.0.0.1:{_cluster.HttpPort(node)}/x");
        Assert.True(response.IsSuccessStatusCode, $"node {node}: {(int)response.StatusCode}");
        return response.Headers.TryGetValues("X-Revision", out var values) ? values.Single() : null;
    }

    public void Dispose() => _cluster.Dispose();
}
