using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Cluster;
using Proxy.Node.Cli;
using Proxy.Tests.Integration.Clustering;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Admin;

/// <summary>
/// Issue 13, part 4: <c>pbm cluster tail</c> (the members, then membership and reachability events as they happen,
/// streamed as NDJSON by <c>GET /api/cluster/events</c>) and <c>pbm actor hierarchy</c> (the node's actor tree from
/// <c>GET /api/actors</c>), run as a user runs them against real nodes on loopback sockets; the JSON shapes scripts
/// rely on are locked here, as in <see cref="PbmCliSpec"/>.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PbmInspectionSpec(InspectionNodeFixture fixture) : IClassFixture<InspectionNodeFixture>
{
    private const string ClusterToken = "inspection-cluster-token-5d21";

    private sealed record Run(int Code, string Out, string Error);

    private static async Task<Run> PbmAt(string host, string token, string[] args, CancellationToken cancellationToken = default,
        TextWriter? stdout = null)
    {
        stdout ??= new StringWriter();
        var stderr = new StringWriter();
        var code = await PbmApp.RunAsync(["--host", host, .. args], stdout, stderr,
            new Dictionary<string, string?> { ["PROXY_ADMIN_TOKEN"] = token }, cancellationToken);
        return new Run(code, stdout.ToString()!, stderr.ToString());
    }

    private Task<Run> Pbm(params string[] args) => PbmAt(fixture.AdminHost, InspectionNodeFixture.Token, args);

    private static JsonElement Json(Run run)
    {
        Assert.True(run.Code == 0, run.Error);
        Assert.Equal("", run.Error);
        var text = run.Out.TrimEnd('\n');
        Assert.DoesNotContain('\n', text); // one document on one line
        return JsonDocument.Parse(text).RootElement;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string[] Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();

    private static JsonElement[] Children(JsonElement node) => node.GetProperty("children").EnumerateArray().ToArray();

    // ---- cluster tail ----

    /// <summary>The tail on node 0 of two shows both members, then the third node's join as node 0 sees it; a second
    /// tail, ended as Ctrl-C ends it, shows the same node leaving. Every line is one JSON object of a locked shape.</summary>
    [Fact]
    public async Task ClusterTail_Json_ShowsTheMembers_ThenANodeJoiningAndLeaving()
    {
        await using var cluster = await TestCluster.StartAsync(2, $$"""admin { token = "{{ClusterToken}}" }""");
        var host = $"127.0.0.1:{cluster[0].Admin.Port}";
        var joinOut = new SharedWriter();
        var joinTail = PbmAt(host, ClusterToken, ["--json", "cluster", "tail", "--count", "4", "--timeout", "30s"], stdout: joinOut);
        await Eventually.Holds(() => Lines(joinOut.ToString()).Length >= 2 || joinTail.IsCompleted, TimeSpan.FromSeconds(10),
            "the tail prints the two members");

        var added = await cluster.AddNodeAsync();
        var address = Cluster.Get(added.System).SelfAddress.ToString();
        var joined = await joinTail.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(joined.Code == 0, joined.Error);
        var events = Lines(joined.Out).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(4, events.Length);
        Assert.Equal(new[] { cluster.AddressOf(0), cluster.AddressOf(1) }.Order(StringComparer.Ordinal),
            events[..2].Select(e => e.GetProperty("address").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(events[..2], e =>
        {
            Assert.Equal(["event", "address", "status", "reachable", "at"], Names(e));
            Assert.Equal("member-snapshot", e.GetProperty("event").GetString());
            Assert.Equal("Up", e.GetProperty("status").GetString());
            Assert.True(e.GetProperty("reachable").GetBoolean());
        });
        Assert.Equal(["member-joined", "member-up"], events[2..].Select(e => e.GetProperty("event").GetString()));
        Assert.All(events[2..], e =>
        {
            Assert.Equal(["event", "address", "at"], Names(e));
            Assert.Equal(address, e.GetProperty("address").GetString());
            Assert.EndsWith("Z", e.GetProperty("at").GetString()); // ISO-8601, UTC
            Assert.Equal(DateTimeKind.Utc, e.GetProperty("at").GetDateTime().Kind);
        });

        // Without --count or --timeout the tail runs until Ctrl-C (the token Program.Main cancels): exit 0.
        using var interrupt = new CancellationTokenSource();
        var leaveOut = new SharedWriter();
        var leaveTail = PbmAt(host, ClusterToken, ["--json", "cluster", "tail"], interrupt.Token, leaveOut);
        await Eventually.Holds(() => Lines(leaveOut.ToString()).Length >= 3 || leaveTail.IsCompleted, TimeSpan.FromSeconds(10),
            "the tail prints the three members");
        await cluster.StopNodeAsync(2);
        await Eventually.Holds(() => leaveOut.ToString().Contains("\"member-removed\"") || leaveTail.IsCompleted, TimeSpan.FromSeconds(30),
            "the tail prints the leaving node's removal");
        await interrupt.CancelAsync();
        var left = await leaveTail.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(left.Code == 0, left.Error);
        // Membership changes only: the leaver may also be seen unreachable while it shuts down (timing).
        var ofLeaver = Lines(left.Out).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("address").GetString() == address)
            .Where(e => e.GetProperty("event").GetString() is not ("member-snapshot" or "unreachable" or "reachable"))
            .ToArray();
        Assert.Equal(["member-left", "member-exited", "member-removed"], ofLeaver.Select(e => e.GetProperty("event").GetString()));
        Assert.Equal(["event", "address", "previousStatus", "at"], Names(ofLeaver[2]));
        Assert.Equal("Exiting", ofLeaver[2].GetProperty("previousStatus").GetString());
    }

    /// <summary>For people, one line per event: time (UTC, to the millisecond), event, address, and for a member as it
    /// is now its status.</summary>
    [Fact]
    public async Task ClusterTail_ForPeople_PrintsOneLinePerEvent()
    {
        var run = await Pbm("cluster", "tail", "--count", "1");

        Assert.True(run.Code == 0, run.Error);
        var line = Assert.Single(Lines(run.Out));
        var self = Cluster.Get(fixture.Node.System).SelfAddress.ToString();
        Assert.Matches(new Regex(@"^\d\d:\d\d:\d\d\.\d{3}  member-snapshot   " + Regex.Escape(self) + "  Up$"), line);
    }

    /// <summary>--timeout ends the tail with exit 0; the stream's actor lives while a client reads and is stopped
    /// (unsubscribed) once the client has gone.</summary>
    [Fact]
    public async Task ClusterTail_Timeout_EndsWithExit0_AndTheSubscriptionEndsWithTheClient()
    {
        var tail = Pbm("--json", "cluster", "tail", "--timeout", "2s");
        await Eventually.Holds(async () => await TailActorsAsync() == 1, TimeSpan.FromSeconds(5), "a tail actor while pbm reads");

        var run = await tail.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(run.Code == 0, run.Error);
        var snapshot = JsonDocument.Parse(Assert.Single(Lines(run.Out))).RootElement;
        Assert.Equal("member-snapshot", snapshot.GetProperty("event").GetString());
        await Eventually.Holds(async () => await TailActorsAsync() == 0, TimeSpan.FromSeconds(5), "no tail actor once pbm has gone");
    }

    /// <summary>A node that stops ends its tails (it does not wait for their clients to go); pbm says the stream
    /// ended, exit 1.</summary>
    [Fact]
    public async Task ClusterTail_OfANodeThatStops_EndsWithExit1_AndSaysWhy()
    {
        var node = await TestNode.StartAsync($$"""admin { token = "{{ClusterToken}}" }""");
        var output = new SharedWriter();
        var tail = PbmAt($"127.0.0.1:{node.Admin.Port}", ClusterToken, ["cluster", "tail"], stdout: output);
        await Eventually.Holds(() => Lines(output.ToString()).Length >= 1 || tail.IsCompleted, TimeSpan.FromSeconds(10),
            "the tail prints the member");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await node.DisposeAsync();
        var run = await tail.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"the node took {stopping.Elapsed} to stop");
        Assert.Equal(1, run.Code);
        Assert.Contains("the node ended the event stream after", run.Error);
    }

    /// <summary>The API itself: NDJSON, the head sent before any event, behind the token like all of <c>/api</c>.</summary>
    [Fact]
    public async Task ClusterEvents_Api_StreamsNdjson_BehindTheToken()
    {
        using var admin = fixture.Admin();
        using var response = await admin.GetAsync("api/cluster/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = JsonDocument.Parse((await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5)))!).RootElement;
        Assert.Equal("member-snapshot", first.GetProperty("event").GetString());

        using var anonymous = new HttpClient { BaseAddress = admin.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        using var refused = await anonymous.GetAsync("api/cluster/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(401, (int)refused.StatusCode);
    }

    [Theory]
    [InlineData("--count: expected 1 or more, got 0", "--count", "0")]
    [InlineData("--timeout: expected a duration such as 30s or 500ms (more than 0), got 'soon'", "--timeout", "soon")]
    [InlineData("--timeout: expected a duration such as 30s or 500ms (more than 0), got '0s'", "--timeout", "0s")]
    public async Task ClusterTail_BadOptions_Exit2_WithTheReason(string message, params string[] options)
    {
        var run = await Pbm(["cluster", "tail", .. options]);

        Assert.Equal(2, run.Code);
        Assert.Contains(message, run.Error);
        Assert.Equal("", run.Out);
    }

    /// <summary>Tail actors (<c>/system/cluster-event-tail-N</c>) now on the fixture's node.</summary>
    private async Task<int> TailActorsAsync()
    {
        var json = Json(await Pbm("--json", "actor", "hierarchy", "/system", "--depth", "1"));
        return Children(json).Count(c => c.GetProperty("name").GetString()!.StartsWith("cluster-event-tail-", StringComparison.Ordinal));
    }

    // ---- actor hierarchy ----

    [Fact]
    public async Task ActorHierarchy_Json_ListsTheNodesActorsUnderUser_InTheLockedShape()
    {
        var json = Json(await Pbm("--json", "actor", "hierarchy"));

        Assert.Equal(["path", "children"], Names(json));
        Assert.Equal("/user", json.GetProperty("path").GetString());
        var children = Children(json);
        var names = children.Select(c => c.GetProperty("name").GetString()).ToArray();
        Assert.Contains("listener-public", names);
        Assert.Contains("config-agent", names);
        Assert.Contains("pool-main", names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.All(children, c =>
        {
            Assert.Equal(["name", "path", "children"], Names(c).Where(n => n != "collapsed"));
            Assert.Equal("/user/" + c.GetProperty("name").GetString(), c.GetProperty("path").GetString());
        });
    }

    [Fact]
    public async Task ActorHierarchy_ForPeople_DrawsATree()
    {
        var run = await Pbm("actor", "hierarchy", "--depth", "1");

        Assert.True(run.Code == 0, run.Error);
        var lines = Lines(run.Out);
        Assert.Equal("/user", lines[0].TrimEnd());
        Assert.Contains(lines, l => Regex.IsMatch(l, "^[├└]── listener-public"));
        Assert.Contains(lines, l => Regex.IsMatch(l, "^[├└]── pool-main"));
    }

    /// <summary>
    /// Connection actors are one per connection, and not children of the listener itself: the listener's materializer
    /// is its one child (<c>/user/listener-public/StreamSupervisor-N</c>) and each connection's stream runs in an actor
    /// under it (<c>conn-K-0-…</c>, K counting every stream the listener ran, its accept loop included). So at depth 2
    /// the supervisor lists 20 of them and counts the rest in <c>collapsed</c>, at least 30 − 20.
    /// </summary>
    [Fact]
    public async Task ActorHierarchy_OfAListenerWith30Connections_CollapsesTheConnectionActors()
    {
        var clients = new List<RawClient>();
        try
        {
            for (var i = 0; i < 30; i++)
            {
                var client = new RawClient(fixture.Node.Public());
                clients.Add(client);
                client.Send("GET / HTTP/1.1\r\nHost: inspection.test\r\n\r\n");
                Assert.StartsWith("HTTP/1.1 200", await client.ReadResponsesAsync(1, TimeSpan.FromSeconds(5)));
            }

            var json = Json(await Pbm("--json", "actor", "hierarchy", "/user/listener-public", "--depth", "2"));

            Assert.Equal("/user/listener-public", json.GetProperty("path").GetString());
            var supervisor = Assert.Single(Children(json));
            Assert.StartsWith("StreamSupervisor-", supervisor.GetProperty("name").GetString());
            Assert.Equal(["name", "path", "children", "collapsed"], Names(supervisor));
            var connections = Children(supervisor);
            Assert.Equal(20, connections.Length);
            Assert.All(connections, c =>
            {
                Assert.StartsWith("conn-", c.GetProperty("name").GetString());
                Assert.Empty(Children(c)); // below the depth asked for
            });
            var collapsed = supervisor.GetProperty("collapsed").GetInt32();
            Assert.True(collapsed >= 10, $"collapsed {collapsed}");

            var table = await Pbm("actor", "hierarchy", "/user/listener-public", "--depth", "2");
            Assert.True(table.Code == 0, table.Error);
            Assert.Contains($"└── … and {collapsed} more", table.Out);
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    [Theory]
    [InlineData("path '/usr' must start with /user or /system (e.g. /user/listener-public)", "/usr")]
    [InlineData("path '/user/*' has characters outside letters, digits and / _ - . $ % (no wildcards)", "/user/*")]
    [InlineData("path 'user' must start with /user or /system", "user")]
    [InlineData("path '/user/../system' has an empty, '.' or '..' segment", "/user/../system")]
    [InlineData("path '/user//pool-main' has an empty, '.' or '..' segment", "/user//pool-main")]
    public async Task ActorHierarchy_BadPath_Exit1_WithTheApisMessage(string message, string path)
    {
        var run = await Pbm("actor", "hierarchy", path);
        Assert.Equal(1, run.Code);
        Assert.Contains(message, run.Error);

        var json = await Pbm("--json", "actor", "hierarchy", path);
        Assert.Equal(1, json.Code);
        Assert.Equal(message, JsonDocument.Parse(json.Error).RootElement.GetProperty("error").GetString()![..message.Length]);
    }

    [Fact]
    public async Task ActorHierarchy_NoActorAtThePath_Exit1_NotFound()
    {
        var run = await Pbm("actor", "hierarchy", "/user/no-such-actor");
        Assert.Equal(1, run.Code);
        Assert.Contains("no actor at /user/no-such-actor on this node", run.Error);

        using var admin = fixture.Admin();
        using var response = await admin.GetAsync("api/actors?path=/user/no-such-actor");
        Assert.Equal(404, (int)response.StatusCode);
    }

    /// <summary>A trailing slash is the same actor; <c>/system</c> can be walked too.</summary>
    [Fact]
    public async Task ActorHierarchy_OfASubtree_StartsThere()
    {
        var json = Json(await Pbm("--json", "actor", "hierarchy", "/user/pool-main/", "--depth", "1"));
        Assert.Equal("/user/pool-main", json.GetProperty("path").GetString());

        var system = Json(await Pbm("--json", "actor", "hierarchy", "/system", "--depth", "1"));
        Assert.Contains(Children(system), c => c.GetProperty("name").GetString() == "cluster");
    }

    [Theory]
    [InlineData("--depth: expected a whole number from 1 to 8, got 9", "9")]
    [InlineData("--depth: expected a whole number from 1 to 8, got 0", "0")]
    public async Task ActorHierarchy_DepthOutOfRange_Exit2(string message, string depth)
    {
        var run = await Pbm("actor", "hierarchy", "--depth", depth);
        Assert.Equal(2, run.Code);
        Assert.Contains(message, run.Error);
    }

    /// <summary>The API checks the depth as well (a script may send anything).</summary>
    [Theory]
    [InlineData("9")]
    [InlineData("two")]
    [InlineData("-1")]
    public async Task Actors_Api_RefusesABadDepth_400(string depth)
    {
        using var admin = fixture.Admin();
        using var response = await admin.GetAsync($"api/actors?depth={Uri.EscapeDataString(depth)}");
        Assert.Equal(400, (int)response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
        Assert.Equal($"depth must be a whole number from 1 to 8, got '{depth}'", error);
    }

    [Fact]
    public async Task ActorAndTail_OptionsBeforeTheCommand_AndTheBareGroupPrintsItsHelp()
    {
        Assert.Equal(["actor", "hierarchy", "--depth", "1", "--json"], PbmApp.MoveLeadingOptions(["--depth", "1", "--json", "actor", "hierarchy"]));
        Assert.Equal(["cluster", "tail", "--count", "1", "--timeout", "5s"],
            PbmApp.MoveLeadingOptions(["--count", "1", "--timeout", "5s", "cluster", "tail"]));

        var group = await Pbm("actor");
        Assert.Equal(0, group.Code);
        Assert.Contains("hierarchy", group.Out);
        Assert.Equal(0, (await Pbm("--depth", "1", "actor", "hierarchy")).Code);
    }

    /// <summary>A writer a test reads while pbm, in the background, writes to it.</summary>
    private sealed class SharedWriter : TextWriter
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_text) _text.Append(value);
        }

        public override void Write(string? value)
        {
            lock (_text) _text.Append(value);
        }

        public override void WriteLine(string? value)
        {
            lock (_text) _text.Append(value).Append(NewLine);
        }

        public override string ToString()
        {
            lock (_text) return _text.ToString();
        }
    }
}
