using System.Text.Json;
using Proxy.Node.Cli;
using Proxy.Tests.Integration.Clustering;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Admin;

/// <summary>
/// pbm as a user runs it (the same entry point as <c>Proxy.Node pbm …</c>) against a real two-node cluster:
/// tables for people, and the <c>--json</c> documents whose shapes scripts rely on, locked here.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PbmCliSpec(AdminClusterFixture fixture) : IClassFixture<AdminClusterFixture>
{
    private sealed record Run(int Code, string Out, string Error);

    private static async Task<Run> PbmWith(Dictionary<string, string?>? environment, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await PbmApp.RunAsync(args, stdout, stderr, environment ?? new Dictionary<string, string?>());
        return new Run(code, stdout.ToString(), stderr.ToString());
    }

    private Task<Run> Pbm(params string[] args) =>
        PbmWith(new Dictionary<string, string?> { ["PROXY_ADMIN_TOKEN"] = AdminClusterFixture.Token }, ["--host", fixture.AdminHost(0), .. args]);

    private static JsonElement Json(Run run)
    {
        Assert.True(run.Code == 0, run.Error);
        Assert.Equal("", run.Error);
        var text = run.Out.TrimEnd('\n');
        Assert.DoesNotContain('\n', text); // one document on one line
        return JsonDocument.Parse(text).RootElement;
    }

    private static string[] Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public async Task ClusterShow_PrintsATableOfMembers_AndTheCount()
    {
        var run = await Pbm("cluster", "show");
        Assert.True(run.Code == 0, run.Error);
        var lines = run.Out.Split('\n');
        Assert.Contains(lines, l => l.Contains("Address") && l.Contains("Roles") && l.Contains("Status") && l.Contains("Reachability"));
        Assert.Equal(2, lines.Count(l => l.Contains("akka.tcp://proxy@127.0.0.1:") && l.Contains("[proxy]") && l.Contains(" Up") && l.Contains("reachable")));
        Assert.Contains("Count: 2 nodes", lines);
    }

    [Fact]
    public async Task ClusterShow_Json_HasTheLockedShape()
    {
        var json = Json(await Pbm("--json", "cluster", "show"));
        Assert.Equal(["members"], Names(json));
        var members = json.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(2, members.Count);
        Assert.All(members, m =>
        {
            Assert.Equal(["address", "status", "roles", "reachable", "leader", "self"], Names(m));
            Assert.Equal("Up", m.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Array, m.GetProperty("roles").ValueKind);
            Assert.True(m.GetProperty("reachable").GetBoolean());
        });
    }

    [Fact]
    public async Task Sharding_Commands_ShowTheBackendPoolRegion()
    {
        var regions = Json(await Pbm("cluster", "sharding", "regions", "--json"));
        Assert.Equal(["regions"], Names(regions));
        Assert.Equal(["backend-pool", "quota", "rate-limiter"], regions.GetProperty("regions").EnumerateArray().Select(r => r.GetString()));

        var regionStats = Json(await Pbm("--json", "cluster", "sharding", "region-stats", "backend-pool"));
        Assert.Equal(["type", "regions", "failed"], Names(regionStats));
        Assert.All(regionStats.GetProperty("regions").EnumerateArray(), r => Assert.Equal(["address", "shards", "entities"], Names(r)));

        var shardStats = Json(await Pbm("--json", "cluster", "sharding", "shard-stats", "backend-pool"));
        Assert.Equal(["type", "shards", "failed"], Names(shardStats));
        Assert.All(shardStats.GetProperty("shards").EnumerateArray(), s => Assert.Equal(["shard", "address", "entities"], Names(s)));

        var table = await Pbm("cluster", "sharding", "region-stats", "backend-pool");
        Assert.Contains("Total: ", table.Out);
        Assert.Contains("2 entities", table.Out);
    }

    [Fact]
    public async Task Pool_Json_HasTheLockedShape_AndTheTableNamesEveryBackend()
    {
        var json = Json(await Pbm("--json", "pool", "api"));
        Assert.Equal(["pool", "policy", "version", "backends"], Names(json));
        Assert.Equal("api", json.GetProperty("pool").GetString());
        Assert.Equal("least-requests", json.GetProperty("policy").GetString());
        var backends = json.GetProperty("backends").EnumerateArray().ToList();
        Assert.Equal(2, backends.Count);
        Assert.All(backends, b => Assert.Equal(
            ["address", "healthy", "health", "breaker", "drained", "weight", "inFlight", "errorRate", "latencyMs", "ejected"], Names(b)));
        Assert.All(backends, b => Assert.Equal("unknown", b.GetProperty("health").GetString())); // the pool has no active check

        var table = await Pbm("pool", "api");
        Assert.Equal(0, table.Code);
        Assert.Contains(fixture.A.Address, table.Out);
        Assert.Contains(fixture.B.Address, table.Out);
        Assert.Contains("closed", table.Out);

        var pools = Json(await Pbm("--json", "pools"));
        Assert.Equal(["pools"], Names(pools));
        Assert.All(pools.GetProperty("pools").EnumerateArray(), p =>
            Assert.Equal(["pool", "policy", "version", "backends", "available", "answered"], Names(p)));
    }

    [Fact]
    public async Task DrainUndrainWeight_ThroughTheCli_ApplyOnEveryNode()
    {
        var drained = await Pbm("drain", "edit", fixture.B.Address);
        Assert.True(drained.Code == 0, drained.Error);
        Assert.Contains($"{fixture.B.Address} drained", drained.Out);
        var weighted = Json(await Pbm("--json", "weight", "edit", fixture.A.Address, "4"));
        Assert.Equal(["ok", "pool", "backend", "message", "version"], Names(weighted));
        Assert.True(weighted.GetProperty("ok").GetBoolean());
        await Eventually.Holds(() => Enumerable.Range(0, 2).All(i =>
                fixture.Cluster.BackendOn(i, "edit", fixture.B.Address) is { Available: false, ClusterState.Drained: true } &&
                fixture.Cluster.BackendOn(i, "edit", fixture.A.Address).ClusterState!.Weight == 4),
            TimeSpan.FromSeconds(5), "both nodes apply what pbm asked");

        var view = Json(await Pbm("--json", "pool", "edit"));
        var b = view.GetProperty("backends").EnumerateArray().Single(x => x.GetProperty("address").GetString() == fixture.B.Address);
        Assert.True(b.GetProperty("drained").GetBoolean());

        Assert.Equal(0, (await Pbm("undrain", "edit", fixture.B.Address)).Code);
        Assert.Equal(0, (await Pbm("weight", "edit", fixture.A.Address, "1")).Code);
        await Eventually.Holds(() => Enumerable.Range(0, 2).All(i =>
                fixture.Cluster.BackendOn(i, "edit", fixture.B.Address).Available &&
                fixture.Cluster.BackendOn(i, "edit", fixture.A.Address).ClusterState!.Weight == 1),
            TimeSpan.FromSeconds(5), "both nodes undo it");
    }

    [Fact]
    public async Task Token_ComesFromTheOptionTheVariableOrTheFile()
    {
        var host = fixture.AdminHost(1);
        Assert.Equal(0, (await PbmWith(null, "cluster", "show", "--host", host, "--token", AdminClusterFixture.Token)).Code);

        var file = Path.Combine(Path.GetTempPath(), $"pbm-token-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, AdminClusterFixture.Token + "\n");
        try
        {
            var run = await PbmWith(new Dictionary<string, string?> { ["PROXY_ADMIN_TOKEN_FILE"] = file }, "--host", host, "pools");
            Assert.True(run.Code == 0, run.Error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Refusals_AndUnreachableNodes_ExitWith1AndSayWhy_WithoutPrintingTheToken()
    {
        var noToken = await PbmWith(null, "--host", fixture.AdminHost(0), "cluster", "show");
        Assert.Equal(1, noToken.Code);
        Assert.Contains("missing admin token", noToken.Error);
        Assert.Contains("--token", noToken.Error);

        var wrong = await PbmWith(null, "--host", fixture.AdminHost(0), "--token", "wrong-secret-123", "pools");
        Assert.Equal(1, wrong.Code);
        Assert.Contains("invalid admin token", wrong.Error);
        Assert.DoesNotContain("wrong-secret-123", wrong.Error + wrong.Out);

        var closedPort = PortFinder.Free();
        var unreachable = await Pbm("--host", $"127.0.0.1:{closedPort}", "cluster", "show");
        Assert.Equal(1, unreachable.Code);
        Assert.Contains($"cannot reach the admin listener at 127.0.0.1:{closedPort}", unreachable.Error);
        Assert.DoesNotContain(AdminClusterFixture.Token, unreachable.Error);

        var missingFile = await PbmWith(new Dictionary<string, string?> { ["PROXY_ADMIN_TOKEN_FILE"] = "/nonexistent/token" },
            "--host", fixture.AdminHost(0), "pools");
        Assert.Equal(1, missingFile.Code);
        Assert.Contains("PROXY_ADMIN_TOKEN_FILE", missingFile.Error);
    }

    [Theory]
    [InlineData(1, "no pool named 'nope'", "pool", "nope")]
    [InlineData(1, "has no backend '127.0.0.1:1'", "drain", "edit", "127.0.0.1:1")]
    [InlineData(1, "is not a member", "cluster", "leave", "127.0.0.1:1")]
    [InlineData(1, "no shard region of type 'nope'", "cluster", "sharding", "shard-stats", "nope")]
    [InlineData(2, "Unknown command 'frobnicate'", "frobnicate")]
    [InlineData(2, "Command 'drain' is missing required argument 'BACKEND'", "drain", "edit")]
    // Issue 22: arguments are checked before any request, unknown options are refused — exit 2.
    [InlineData(2, "WEIGHT: expected a whole number from 0 to 1000, got 'lots'", "weight", "edit", "{A}", "lots")]
    [InlineData(2, "WEIGHT: expected a whole number from 0 to 1000, got '5000'", "weight", "edit", "{A}", "5000")]
    [InlineData(2, "BACKEND: expected host:port, got '127.0.0.1'", "drain", "edit", "127.0.0.1")]
    [InlineData(2, "ADDRESS: expected akka.tcp://proxy@host:port or host:port, got 'no-port'", "cluster", "down", "no-port")]
    [InlineData(2, "--host: expected HOST:PORT of an admin listener, got 'https://127.0.0.1:1/x'", "--host", "https://127.0.0.1:1/x", "pools")]
    [InlineData(2, "Unknown option 'jsn'", "pools", "--jsn")]
    [InlineData(2, "Unknown command 'extra'", "pools", "extra")]
    public async Task BadInput_ExitsNonZero_WithTheReasonOnStderr(int code, string message, params string[] args)
    {
        var run = await Pbm(args.Select(a => a.Replace("{A}", fixture.A.Address)).ToArray());
        Assert.Equal(code, run.Code);
        Assert.Contains(message, run.Error + run.Out);
        Assert.Equal(0, (await Pbm("cluster", "show")).Code);
    }

    [Fact]
    public void LeadingOptions_AreMovedAfterTheCommand()
    {
        Assert.Equal(["cluster", "show", "--host", "h:1", "--json"], PbmApp.MoveLeadingOptions(["--host", "h:1", "--json", "cluster", "show"]));
        Assert.Equal(["pools", "--json"], PbmApp.MoveLeadingOptions(["pools", "--json"]));
        Assert.Equal(["--help"], PbmApp.MoveLeadingOptions(["--help"]));
    }

    /// <summary>Issue 22: help lists the global options, --version answers, a bare group prints its help with exit 0,
    /// and under --json an error is a JSON document too.</summary>
    [Fact]
    public async Task Help_Version_BareGroups_AndJsonErrors()
    {
        var help = await PbmWith(null, "--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("GLOBAL OPTIONS", help.Out);
        Assert.Contains("--host <HOST:PORT>", help.Out);
        Assert.Contains("--token <TOKEN>", help.Out);
        Assert.Contains("--json", help.Out);

        var version = await PbmWith(null, "--version");
        Assert.Equal(0, version.Code);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Out);

        foreach (var group in new[] { new[] { "cluster" }, ["cluster", "sharding"], ["--json", "cluster"] })
        {
            var run = await PbmWith(null, group);
            Assert.True(run.Code == 0, $"pbm {string.Join(' ', group)}: {run.Code} {run.Error}");
            Assert.Contains("COMMANDS:", run.Out);
        }

        var usage = await PbmWith(null, "--json", "weight", "api", "127.0.0.1:1", "x");
        Assert.Equal(2, usage.Code);
        Assert.Equal("WEIGHT: expected a whole number from 0 to 1000, got 'x'", JsonDocument.Parse(usage.Error).RootElement.GetProperty("error").GetString());
        var refused = await Pbm("--json", "pool", "nope");
        Assert.Equal(1, refused.Code);
        Assert.Contains("no pool named 'nope'", JsonDocument.Parse(refused.Error).RootElement.GetProperty("error").GetString());
    }

    private Task<Run> PbmInColumns(int columns, params string[] args) =>
        PbmWith(new Dictionary<string, string?> { ["PROXY_ADMIN_TOKEN"] = AdminClusterFixture.Token, ["COLUMNS"] = columns.ToString() },
            ["--host", fixture.AdminHost(0), .. args]);

    private static string[] LinesWithin(int columns, Run run)
    {
        Assert.True(run.Code == 0, $"exit {run.Code}: {run.Error}");
        var lines = run.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.All(lines, l => Assert.True(l.Length <= columns, $"{l.Length} columns: {l}"));
        return lines;
    }

    /// <summary>Issue 22: in an 80-column terminal the pool table fits, each address on one line, and health without
    /// an active check is "unknown", not "yes".</summary>
    [Fact]
    public async Task Pool_Table_FitsEightyColumns()
    {
        var lines = LinesWithin(80, await PbmInColumns(80, "pool", "api"));
        Assert.Contains(lines, l => l.Contains(fixture.A.Address) && l.Contains("unknown") && l.Contains("closed"));
        Assert.Contains(lines, l => l.Contains(fixture.B.Address) && l.Contains("active"));
    }

    /// <summary>Issue 22: every other table fits 80 columns too, each row on one line (addresses and names not
    /// wrapped; bordered only when the terminal is wide); in a wide terminal the same rows have borders.</summary>
    [Theory]
    [InlineData("pools", "api ", "least-requests")]
    [InlineData("limits", "per-api-key-daily-eu ", "100000/min")]
    [InlineData("cluster show", "akka.tcp://proxy@127.0.0.1:", "reachable")]
    [InlineData("cluster sharding region-stats backend-pool", "akka.tcp://proxy@127.0.0.1:", "")]
    [InlineData("cluster sharding shard-stats backend-pool", "akka.tcp://proxy@127.0.0.1:", "")]
    public async Task Tables_FitEightyColumns_WithEachRowOnOneLine(string command, string cell, string sameRow)
    {
        var narrow = LinesWithin(80, await PbmInColumns(80, command.Split(' ')));
        Assert.Contains(narrow, l => l.Contains(cell, StringComparison.Ordinal) && l.Contains(sameRow, StringComparison.Ordinal));
        Assert.DoesNotContain(narrow, l => l.Contains('│'));

        var wide = LinesWithin(160, await PbmInColumns(160, command.Split(' ')));
        Assert.Contains(wide, l => l.StartsWith('│') && l.Contains(cell, StringComparison.Ordinal));
    }

    /// <summary>Issue 22: joining a node that is already a member did nothing and said "join requested" with exit 0.</summary>
    [Fact]
    public async Task ClusterJoin_OfANodeAlreadyInACluster_IsRefused_Exit1()
    {
        var run = await Pbm("cluster", "join", fixture.Cluster.AddressOf(1));
        Assert.Equal(1, run.Code);
        Assert.Contains("this node is already a member of a cluster with", run.Error);
        Assert.Contains("nothing was done", run.Error);
    }
}
