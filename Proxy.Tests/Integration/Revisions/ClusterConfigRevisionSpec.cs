using System.Text.Json;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Revisions;

/// <summary>
/// Issue 13 part 3 (O6) on an in-process three-node cluster: one <c>pbm config apply</c> on any node becomes the
/// revision every member runs; <c>pbm config status</c> shows each member and the drift; a node that joins later runs
/// the cluster's revision before it reports ready; a file applied through a node's watcher reaches every member.
/// </summary>
public sealed class ClusterConfigRevisionSpec
{
    private const string Token = "cluster-revision-spec-token-91";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static string Body(int port) => $$"""
        admin { token = "{{Token}}" }
        pools { main { backends = [ "127.0.0.1:{{port}}" ] } }
        routes = [ { name = default, pool = main } ]
        """;

    private static async Task<string> Get(Proxy.Node.Hosting.ProxyNode node)
    {
        using var client = new RawClient(node.Public());
        client.Send("GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        return await client.ReadResponsesAsync(1, Wait);
    }

    [Fact]
    public async Task OneApply_OnAnyNode_IsTheRevisionOfEveryMember_AndANodeThatJoinsLaterRunsItBeforeItIsReady()
    {
        await using var a = new RawBackend(_ => RawBackend.Ok("from-a"));
        await using var b = new RawBackend(_ => RawBackend.Ok("from-b"));
        await using var cluster = await TestCluster.StartAsync(3, Body(a.Port));
        var file = Path.Combine(TestDataDirectory.Create(), "revision.hocon");
        await File.WriteAllTextAsync(file, cluster.ConfigText(Body(b.Port)));

        var applied = await cluster.PbmJsonAsync(1, Token, "config", "apply", file);

        Assert.Equal(1, applied.GetProperty("revision").GetInt64());
        Assert.True(applied.GetProperty("complete").GetBoolean());
        Assert.Equal(["current", "current", "current"],
            applied.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("state").GetString()));
        foreach (var node in cluster.Running) Assert.EndsWith("from-b", await Get(node));
        var status = await cluster.PbmJsonAsync(2, Token, "config", "status");
        Assert.Equal(1, status.GetProperty("latest").GetInt64());
        Assert.Equal(3, status.GetProperty("members").GetArrayLength());
        Assert.Empty(status.GetProperty("drift").EnumerateArray());

        // Started with the old text, it runs revision 1 before /ready says so.
        var late = await cluster.AddNodeAsync();
        await Eventually.Holds(() => late.Runtime.Current.Revision == 1, Wait, "the new node on revision 1");
        Assert.EndsWith("from-b", await Get(late));
        var shown = await cluster.PbmJsonAsync(3, Token, "config", "show");
        Assert.DoesNotContain(Token, shown.GetProperty("text").GetString());
        Assert.Equal(1, shown.GetProperty("revision").GetInt64());
    }
}
