using System.Net;
using System.Text;
using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Forwarding;

/// <summary>
/// X1 on a real forward listener: requests go through a real tinyproxy with Basic credentials (or a raw
/// socket playing the upstream proxy where a test must see the exact bytes), to a real backend.
/// </summary>
public sealed class ForwardProxySpec(ForwardPeers peers) : IClassFixture<ForwardPeers>, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private const string Loopback = """allow-targets = [ "127.0.0.0/8" ], allow-upstreams = [ "127.0.0.0/8" ]""";

    private readonly TinyProxy _tinyproxy = peers.TinyProxy;
    private readonly KestrelBackend _origin = peers.Origin;
    private readonly string _accessLog = Path.Combine(Path.GetTempPath(), $"forward-access-{Guid.NewGuid():N}.log");

    public void Dispose() => File.Delete(_accessLog);

    private Task<ProxyNode> StartNode(string forward = "", string guard = Loopback) => TestNode.StartAsync(
        TestNode.PoolFor(1) + "\n" + $$"""
            access-log { enabled = on, target = "{{_accessLog}}" }
            forward {
              timeouts { connect = 1s, response = 2s }
              {{forward}}
            }
            """,
        $", mode = forward, {guard}");

    private static string Send(ProxyNode node, string request)
    {
        using var client = new RawClient(node.Public());
        client.Send(request);
        return client.ReadUntilClosedAsync(Wait).GetAwaiter().GetResult();
    }

    private static async Task<string> SendAsync(ProxyNode node, string request)
    {
        using var client = new RawClient(node.Public());
        client.Send(request);
        return await client.ReadUntilClosedAsync(Wait);
    }

    private string OriginUrl(string path) => $"http://127.0.0.1:{_origin.Port}{path}";

    [Fact]
    public async Task AbsoluteFormRequest_GoesThroughTinyproxyWithCredentials_ToTheOrigin()
    {
        await using var node = await StartNode();
        var response = await SendAsync(node,
            $"GET {OriginUrl("/hello?x=1")} HTTP/1.1\r\nHost: 127.0.0.1:{_origin.Port}\r\nX-Proxy-To: {_tinyproxy.WithCredentials}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains("GET /hello?x=1", response);
    }

    [Fact]
    public async Task OriginFormRequest_WithHost_NamesTheTarget_AndCurlStyleClientsWork()
    {
        await using var node = await StartNode();
        var response = await SendAsync(node,
            $"GET /origin-form HTTP/1.1\r\nHost: 127.0.0.1:{_origin.Port}\r\nX-Proxy-To: {_tinyproxy.WithCredentials}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains("GET /origin-form", response);

        // An HttpClient configured with our node as its proxy sends absolute-form, like curl -x.
        using var http = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://127.0.0.1:{node.Public().Port}"), UseProxy = true });
        using var request = new HttpRequestMessage(HttpMethod.Get, OriginUrl("/via-client"));
        request.Headers.Add("X-Proxy-To", _tinyproxy.WithCredentials);
        using var answer = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("GET /via-client", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PostBodies_ArriveWhole()
    {
        await using var node = await StartNode();
        var body = new string('b', 200_000);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{node.Public().Port}/upload")
        {
            Content = new StringContent(body, Encoding.ASCII),
        };
        request.Headers.Host = $"127.0.0.1:{_origin.Port}";
        request.Headers.Add("X-Proxy-To", _tinyproxy.WithCredentials);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.Equal($"{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes(body)))} {body.Length}", answer);
    }

    [Fact]
    public async Task APostAfterTinyproxyClosedItsKeptAliveConnection_GoesOnAFreshOne()
    {
        // tinyproxy closes its client connection after every response without saying so: the pooled
        // connection is closed while idle and must not carry the POST (which may not be sent twice).
        await using var node = await StartNode();
        var get = await SendAsync(node,
            $"GET {OriginUrl("/first")} HTTP/1.1\r\nHost: 127.0.0.1:{_origin.Port}\r\nX-Proxy-To: {_tinyproxy.WithCredentials}\r\nConnection: close\r\n\r\n");
        await Task.Delay(300);
        var post = await SendAsync(node,
            $"POST {OriginUrl("/upload")} HTTP/1.1\r\nHost: 127.0.0.1:{_origin.Port}\r\nX-Proxy-To: {_tinyproxy.WithCredentials}\r\n" +
            "Content-Length: 2\r\nConnection: close\r\n\r\nhi");

        Assert.StartsWith("HTTP/1.1 200", get);
        Assert.StartsWith("HTTP/1.1 200", post);
        Assert.EndsWith(" 2", post);
    }

    [Fact]
    public async Task WrongCredentials_Give502WithAReason_AndThePasswordAppearsNowhere()
    {
        await using (var node = await StartNode())
        {
            var wrong = $"http://{TinyProxy.User}:not-the-Pa55word@{_tinyproxy.Address}";
            var response = await SendAsync(node,
                $"GET {OriginUrl("/")} HTTP/1.1\r\nHost: x\r\nX-Proxy-To: {wrong}\r\nConnection: close\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 502", response);
            Assert.Contains($"upstream proxy {TinyProxy.User}:***@{_tinyproxy.Address} refused the credentials", response);
            Assert.DoesNotContain("not-the-Pa55word", response);

            var none = await SendAsync(node,
                $"GET {OriginUrl("/")} HTTP/1.1\r\nHost: x\r\nX-Proxy-To: {_tinyproxy.Address}\r\nConnection: close\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 502", none);
            Assert.Contains("refused the credentials (407)", none);

            var ok = await SendAsync(node,
                $"GET {OriginUrl("/")} HTTP/1.1\r\nHost: x\r\nX-Proxy-To: {_tinyproxy.WithCredentials}\r\nConnection: close\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200", ok);
        }
        var log = await File.ReadAllTextAsync(_accessLog);
        Assert.Contains($"{TinyProxy.User}:***@{_tinyproxy.Address}", log);
        Assert.DoesNotContain("not-the-Pa55word", log);
        Assert.DoesNotContain(TinyProxy.Password, log);
    }

    /// <summary>An origin's own 401 reached through an authenticated upstream proxy carries that proxy's Via
    /// (RFC 9110 §7.6.3): it is the origin's answer and reaches the client unchanged, while the upstream's own 401
    /// to wrong credentials (no Via) stays a 502 naming the refusal.</summary>
    [Fact]
    public async Task AnOrigins401_ThroughAnAuthenticatedUpstream_ReachesTheClientUnchanged()
    {
        await using var node = await StartNode();
        var response = await SendAsync(node,
            $"GET {OriginUrl("/needs-token")} HTTP/1.1\r\nHost: x\r\nX-Proxy-To: {_tinyproxy.WithCredentials}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 401", response);
        Assert.Contains("WWW-Authenticate: Bearer realm=\"api\"", response);
        Assert.Contains("tinyproxy", response[..response.IndexOf("\r\n\r\n", StringComparison.Ordinal)]); // the upstream's Via, and ours
        Assert.EndsWith("a token is required\n", response);
        Assert.DoesNotContain("refused the credentials", response);

        var wrong = await SendAsync(node,
            $"GET {OriginUrl("/needs-token")} HTTP/1.1\r\nHost: x\r\nX-Proxy-To: http://{TinyProxy.User}:wrong@{_tinyproxy.Address}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502", wrong);
        Assert.Contains($"upstream proxy {TinyProxy.User}:***@{_tinyproxy.Address} refused the credentials (401)", wrong);
    }

    /// <summary>The same rule on one pooled connection to the upstream proxy: a 401 with Via passes, and the next
    /// request on that connection gets its own answer; a 401 without Via to our credentials is a refusal.</summary>
    [Fact]
    public async Task OnAReusedUpstreamConnection_A401WithVia_PassesAndOneWithout_IsARefusal()
    {
        await using var upstream = new RawBackend(r => Encoding.ASCII.GetBytes(r.RequestLine.Contains("/origin-401")
            ? "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nVia: 1.1 upstream\r\nContent-Length: 5\r\n\r\nnope!"
            : r.RequestLine.Contains("/proxy-401")
                ? "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"proxy\"\r\nContent-Length: 0\r\n\r\n"
                : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        await using var node = await StartNode();
        using var client = new RawClient(node.Public());
        foreach (var path in new[] { "/origin-401", "/after", "/origin-401" })
            client.Send($"GET http://origin.test{path} HTTP/1.1\r\nHost: origin.test\r\nX-Proxy-To: http://bob:pw@127.0.0.1:{upstream.Port}\r\n\r\n");
        var responses = await client.ReadResponsesAsync(3, Wait);
        Assert.Equal(2, responses.Split("HTTP/1.1 401 Unauthorized").Length - 1);
        Assert.Equal(2, responses.Split("nope!").Length - 1);
        Assert.Contains("HTTP/1.1 200", responses);
        Assert.Equal(1, upstream.Connections);

        var refused = await SendAsync(node,
            $"GET http://origin.test/proxy-401 HTTP/1.1\r\nHost: origin.test\r\nX-Proxy-To: http://bob:pw@127.0.0.1:{upstream.Port}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502", refused);
        Assert.Contains("refused the credentials (401)", refused);
        Assert.DoesNotContain(":pw@", refused);
    }

    [Fact]
    public async Task UnreachableUpstream_Is502_AndASilentOne_Is504()
    {
        // Connections complete in the listen backlog and nothing ever answers.
        var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var silentPort = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var node = await StartNode();
        var closedPort = PortFinder.Free();
        var unreachable = await SendAsync(node,
            $"GET {OriginUrl("/")} HTTP/1.1\r\nHost: x\r\nX-Proxy-To: u:pw@127.0.0.1:{closedPort}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502", unreachable);
        Assert.Contains($"upstream proxy u:***@127.0.0.1:{closedPort} is unreachable", unreachable);

        var slow = await SendAsync(node,
            $"GET {OriginUrl("/")} HTTP/1.1\r\nHost: x\r\nX-Proxy-To: 127.0.0.1:{silentPort}\r\nConnection: close\r\n\r\n");
        silent.Stop();
        Assert.StartsWith("HTTP/1.1 504", slow);
    }

    [Fact]
    public async Task TheUpstreamProxyGetsAbsoluteForm_ProxyAuthorization_AndNeitherTheHeaderNorClientCredentials_OnOnePooledConnection()
    {
        await using var upstream = new RawBackend(_ => RawBackend.Ok("via upstream"));
        await using var node = await StartNode();
        using var client = new RawClient(node.Public());
        for (var i = 0; i < 3; i++)
            client.Send($"GET /r{i} HTTP/1.1\r\nHost: origin.test:8080\r\nX-Proxy-To: http://bob:p%40ss@127.0.0.1:{upstream.Port}\r\n" +
                        "Proxy-Authorization: Basic Y2xpZW50OnNlY3JldA==\r\nProxy-Connection: keep-alive\r\n\r\n");
        var responses = await client.ReadResponsesAsync(3, Wait);
        Assert.Equal(3, responses.Split("HTTP/1.1 200").Length - 1);

        var received = upstream.Requests.ToArray();
        Assert.Equal(3, received.Length);
        Assert.Equal("GET http://origin.test:8080/r0 HTTP/1.1", received[0].RequestLine);
        Assert.All(received, r =>
        {
            Assert.Equal("Basic " + Convert.ToBase64String("bob:p@ss"u8.ToArray()),
                r.Headers.Single(h => h.Name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase)).Value);
            Assert.DoesNotContain(r.Headers, h => h.Name.Equals("X-Proxy-To", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(r.Headers, h => h.Name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase));
            Assert.Equal("origin.test:8080", r.Headers.Single(h => h.Name == "Host").Value);
        });
        Assert.Equal(1, upstream.Connections);
    }

    [Fact]
    public async Task IdempotentRequests_AreRetried_OnAConfiguredStatus()
    {
        var calls = 0;
        await using var upstream = new RawBackend(_ => Interlocked.Increment(ref calls) == 1
            ? Encoding.ASCII.GetBytes("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
            : RawBackend.Ok("second try"));
        await using var node = await StartNode("retries { attempts = 1, statuses = [503], budget = 100% }");
        var response = await SendAsync(node,
            $"GET http://origin.test/ HTTP/1.1\r\nHost: origin.test\r\nX-Proxy-To: 127.0.0.1:{upstream.Port}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains("second try", response);
        Assert.Equal(2, upstream.Requests.Count);
    }

    [Fact]
    public async Task DefaultUpstream_AndACustomHeaderName_AreHonoured()
    {
        await using var node = await StartNode($"header = X-Upstream, default-upstream = \"{_tinyproxy.WithCredentials}\"");
        var byDefault = await SendAsync(node, $"GET {OriginUrl("/d")} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", byDefault);
        var byHeader = await SendAsync(node,
            $"GET {OriginUrl("/h")} HTTP/1.1\r\nHost: x\r\nX-Upstream: 127.0.0.1:{PortFinder.Free()}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502", byHeader);
    }

    public static TheoryData<string, string> InvalidHeaders() => new()
    {
        { "", "is empty" },
        { "https://proxy:3128", "only http://" },
        { "ftp://proxy:21", "only http://" },
        { "proxy", "host:port" },
        { "proxy:0", "port" },
        { "proxy:70000", "port" },
        { "proxy:abc", "port" },
        { "http://proxy:3128/path", "without a path" },
        { "user@proxy:3128", "without a password" },
        { ":pw@proxy:3128", "empty user name" },
        { "u:p%zz@proxy:3128", "percent-encoding" },
        { "http://:3128", "host:port" },
        { "[::1:3128", "host:port" },
    };

    [Theory]
    [MemberData(nameof(InvalidHeaders))]
    public async Task EveryInvalidXProxyTo_Is400_SayingWhy_AndTheNodeKeepsServing(string value, string reason)
    {
        await using var upstream = new RawBackend(_ => RawBackend.Ok("never"));
        await using var node = await StartNode();
        var response = await SendAsync(node, $"GET http://origin.test/ HTTP/1.1\r\nHost: origin.test\r\nX-Proxy-To: {value}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", response);
        Assert.Contains("invalid X-Proxy-To header", response);
        Assert.Contains(reason, response);
        Assert.Empty(upstream.Requests);
        var after = await SendAsync(node, $"GET {OriginUrl("/")} HTTP/1.1\r\nHost: x\r\nX-Proxy-To: {_tinyproxy.WithCredentials}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", after);
    }

    [Theory]
    [InlineData("GET http://origin.test/ HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n\r\n", "400", "missing X-Proxy-To header")]
    [InlineData("GET http://origin.test/ HTTP/1.1\r\nHost: origin.test\r\nX-Proxy-To: a:1\r\nX-Proxy-To: b:2\r\nConnection: close\r\n\r\n", "400", "more than one X-Proxy-To header")]
    [InlineData("GET https://origin.test/ HTTP/1.1\r\nHost: origin.test\r\nX-Proxy-To: a:1\r\nConnection: close\r\n\r\n", "400", "must be tunnelled with CONNECT")]
    [InlineData("GET / HTTP/1.0\r\nX-Proxy-To: a:1\r\n\r\n", "400", "needs an absolute-form target")]
    public async Task MissingOrAmbiguousUpstreamsAndTargets_Are400(string request, string status, string reason)
    {
        await using var node = await StartNode();
        var response = await SendAsync(node, request);
        Assert.StartsWith("HTTP/1." , response);
        Assert.Contains($" {status} ", response[..20]);
        Assert.Contains(reason, response);
    }

    [Fact]
    public async Task TheGuard_DeniesLoopbackByDefault_AndListedTargetsAndUpstreams_With403()
    {
        await using (var strict = await StartNode(guard: "deny-targets = [ \"*.blocked.test\" ]"))
        {
            var target = await SendAsync(strict, $"GET {OriginUrl("/")} HTTP/1.1\r\nHost: x\r\nX-Proxy-To: {_tinyproxy.WithCredentials}\r\nConnection: close\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 403", target);
            Assert.Contains("target not allowed: 127.0.0.1 is a loopback", target);
            var named = await SendAsync(strict, $"GET http://db.blocked.test/ HTTP/1.1\r\nHost: x\r\nX-Proxy-To: {_tinyproxy.WithCredentials}\r\nConnection: close\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 403", named);
            var upstream = await SendAsync(strict, $"GET http://public.test/ HTTP/1.1\r\nHost: x\r\nX-Proxy-To: {_tinyproxy.WithCredentials}\r\nConnection: close\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 403", upstream);
            Assert.Contains("upstream proxy not allowed: 127.0.0.1 is a loopback", upstream);
            Assert.DoesNotContain(TinyProxy.Password, upstream);
        }
        // A name that resolves to a denied address is refused after resolution.
        await using var byName = await StartNode(guard: "allow-targets = [ \"127.0.0.0/8\" ]");
        var resolved = await SendAsync(byName, $"GET {OriginUrl("/")} HTTP/1.1\r\nHost: x\r\nX-Proxy-To: http://{TinyProxy.User}:{TinyProxy.Password}@localhost:{_tinyproxy.Port}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403", resolved);
        Assert.Contains("localhost is a loopback name (RFC 6761)", resolved);
        Assert.DoesNotContain(TinyProxy.Password, resolved);
    }
}

/// <summary>The peers every forward spec talks to: a tinyproxy with Basic credentials and an origin server.</summary>
public sealed class ForwardPeers : IAsyncLifetime
{
    public TinyProxy TinyProxy { get; private set; } = null!;
    public KestrelBackend Origin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        TinyProxy = await TinyProxy.StartAsync();
        Origin = await KestrelBackend.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await TinyProxy.DisposeAsync();
        await Origin.DisposeAsync();
    }
}
