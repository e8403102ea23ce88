using Proxy.Node.Cli;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Admin;

/// <summary>Issue 22, pbm against a single node: <c>--host</c> naming a traffic listener by mistake. pbm sends its token in
/// Proxy-Authorization, which every listener strips, so the backend never sees it; and pbm says the address is not
/// an admin listener instead of printing whatever the backend answered.</summary>
public sealed class PbmSingleNodeSpec
{
    private const string Token = "pbm-wrong-host-token-91d2";

    [Fact]
    public async Task TheTokenNeverReachesABackend_AndPbmSaysItIsNotAnAdminListener()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("""{"pools":[]}""", "Content-Type: application/json\r\n"));
        await using var cluster = await TestCluster.StartAsync(1, $$"""
            admin { token = "{{Token}}" }
            pools { web { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            routes = [ { name = all, pool = web } ]
            """);
        var traffic = $"127.0.0.1:{cluster[0].Listeners["public"].Port}";
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await PbmApp.RunAsync(["--host", traffic, "--token", Token, "pools"], stdout, stderr, new Dictionary<string, string?>());

        Assert.Equal(1, code);
        Assert.Contains($"{traffic} is not an admin listener", stderr.ToString());
        var request = Assert.Single(backend.Requests);
        Assert.DoesNotContain(Token, request.Head);
        Assert.Null(request.Header("Proxy-Authorization"));
        Assert.Null(request.Header("Authorization"));

        // The same pbm against the admin listener works, with the token in Proxy-Authorization.
        var admin = new StringWriter();
        Assert.Equal(0, await PbmApp.RunAsync(["--host", $"127.0.0.1:{cluster[0].Admin.Port}", "--token", Token, "pools"],
            admin, stderr, new Dictionary<string, string?>()));
        Assert.Contains("web", admin.ToString());
    }

    /// <summary>Issue 22: leaving with the last member says that the cluster ends.</summary>
    [Fact]
    public async Task ClusterLeave_OfTheLastMember_SaysTheClusterEnds()
    {
        await using var cluster = await TestCluster.StartAsync(1, $$"""
            admin { token = "{{Token}}" }
            pools { web { backends = [ "127.0.0.1:9" ] } }
            routes = [ { name = all, pool = web } ]
            """);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await PbmApp.RunAsync(["--host", $"127.0.0.1:{cluster[0].Admin.Port}", "--token", Token, "cluster", "leave", cluster.AddressOf(0)],
            stdout, stderr, new Dictionary<string, string?>());
        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("it is the last member: the cluster ends and this node exits", stdout.ToString());
    }
}
