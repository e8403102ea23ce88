using System.Net;
using System.Text;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>End to end through a real listener to a real backend on 127.0.0.1 (D1, D3, D4).</summary>
public sealed class ForwardingSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task MethodTargetAndRepeatedHeaders_ArriveByteForByte()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        using var client = new RawClient(node.Public());
        client.Send("PATCH /a%20b/c?x=1&y=%2F&z=a+b&&q HTTP/1.1\r\nHost: example.test\r\nX-Multi: one\r\nX-Multi: two\r\n" +
                    "Content-Length: 3\r\n\r\nabc");
        var response = await client.ReadResponsesAsync(1, Wait);

        Assert.StartsWith("HTTP/1.1 200 OK", response);
        var seen = Assert.Single(backend.Requests);
        Assert.Equal("PATCH /a%20b/c?x=1&y=%2F&z=a+b&&q HTTP/1.1", seen.RequestLine);
        Assert.Equal(["one", "two"], seen.Headers.Where(h => h.Name == "X-Multi").Select(h => h.Value));
        Assert.Equal("abc", Encoding.ASCII.GetString(seen.Body));
        Assert.Equal("example.test", seen.Header("Host"));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("OPTIONS")]
    [InlineData("CUSTOM-METHOD")]
    public async Task EveryMethod_IsForwarded(string method)
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        using var client = new RawClient(node.Public());
        client.Send($"{method} /m HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await client.ReadResponsesAsync(1, Wait));
        Assert.StartsWith(method + " /m HTTP/1.1", Assert.Single(backend.Requests).RequestLine);
    }

    [Fact]
    public async Task ForwardingHeaders_AreAddedAndHopByHopHeadersRemoved()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("x", "Connection: X-Backend-Private\r\nX-Backend-Private: secret\r\nKeep-Alive: timeout=5\r\n"));
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        using var client = new RawClient(node.Public());
        client.Send("GET / HTTP/1.1\r\nHost: site.test:8080\r\nConnection: keep-alive, X-Private\r\nX-Private: p\r\n" +
                    "Keep-Alive: timeout=9\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: h2c\r\n" +
                    "X-Forwarded-For: 10.1.1.1\r\n\r\n");
        var response = await client.ReadResponsesAsync(1, Wait);

        var seen = Assert.Single(backend.Requests);
        foreach (var name in new[] { "Connection", "X-Private", "Keep-Alive", "Proxy-Connection", "TE", "Upgrade" })
            Assert.Null(seen.Header(name));
        Assert.Equal("10.1.1.1, 127.0.0.1", seen.Header("X-Forwarded-For"));
        Assert.Equal("http", seen.Header("X-Forwarded-Proto"));
        Assert.Equal("site.test:8080", seen.Header("X-Forwarded-Host"));
        Assert.Equal("1.1 akka-proxy", seen.Header("Via"));
        Assert.DoesNotContain("X-Backend-Private", response);
        Assert.DoesNotContain("Keep-Alive", response);
        Assert.Contains("Via: 1.1 akka-proxy", response);
    }

    [Fact]
    public async Task KeepAliveAndPipelinedRequests_AreAnsweredInOrderOnOneConnection()
    {
        await using var backend = new RawBackend(r => RawBackend.Ok(r.RequestLine.Split(' ')[1]));
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        using var client = new RawClient(node.Public());
        client.Send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nPOST /3 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhiGET /4 HTTP/1.1\r\nHost: h\r\n\r\n");
        var responses = await client.ReadResponsesAsync(4, Wait);

        var bodies = responses.Split("\r\n\r\n").Skip(1).Select(b => b.Length >= 2 ? b[..2] : b).ToArray();
        Assert.Equal(["/1", "/2", "/3", "/4"], bodies);
        Assert.Equal(1, backend.Connections);
    }

    [Fact]
    public async Task ChunkedBodiesAndTrailers_StreamThroughBothWays()
    {
        var chunkedResponse = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n" +
                              "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n";
        await using var backend = new RawBackend(_ => Encoding.ASCII.GetBytes(chunkedResponse));
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        using var client = new RawClient(node.Public());
        client.Send("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                    "3;ext=1\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Sum: 7\r\n\r\n");
        var response = await client.ReadUntilClosedAsync(Wait);

        var seen = Assert.Single(backend.Requests);
        Assert.Contains("Transfer-Encoding: chunked", seen.Head);
        Assert.Equal("3\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Sum: 7\r\n\r\n", Encoding.ASCII.GetString(seen.Body));
        Assert.Contains("Transfer-Encoding: chunked", response);
        Assert.Contains("hello", response);
        Assert.Contains(" world", response);
        Assert.EndsWith("0\r\nX-Checksum: abc\r\n\r\n", response);
    }

    [Fact]
    public async Task HeadAnd204And304_HaveNoBody()
    {
        await using var backend = new RawBackend(r => r.RequestLine.StartsWith("HEAD")
            ? Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            : r.RequestLine.Contains("/204")
                ? Encoding.ASCII.GetBytes("HTTP/1.1 204 No Content\r\n\r\n")
                : Encoding.ASCII.GetBytes("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"));
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        using var client = new RawClient(node.Public());
        client.Send("HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET /204 HTTP/1.1\r\nHost: h\r\n\r\nGET /304 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        var all = await client.ReadUntilClosedAsync(Wait);

        Assert.Contains("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n", all);
        var parts = all.Split("HTTP/1.1 ", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, parts.Length);
        Assert.All(parts, p => Assert.EndsWith("\r\n\r\n", p));
        Assert.StartsWith("204", parts[1]);
        Assert.StartsWith("304", parts[2]);
    }

    [Fact]
    public async Task ExpectContinue_GetsOneHundredContinueThenTheResponse()
    {
        await using var backend = new RawBackend(r => RawBackend.Ok("got " + r.Body.Length));
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        using var client = new RawClient(node.Public());
        client.Send("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        var interim = await client.ReadResponsesAsync(0, TimeSpan.FromSeconds(1)).ContinueWith(_ => "");
        _ = interim;
        client.Send("12345");
        var response = await client.ReadResponsesAsync(1, Wait);

        Assert.StartsWith("HTTP/1.1 100 Continue\r\n\r\n", response);
        Assert.Contains("got 5", response);
        Assert.Null(Assert.Single(backend.Requests).Header("Expect"));
    }

    [Fact]
    public async Task NoMatchingRoute_Gives404AndTheConnectionStaysUsable()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            routes = [ { name = only, match { path-prefix = "/api/" }, pool = main } ]
            """);
        using var client = new RawClient(node.Public());
        client.Send("GET /other HTTP/1.1\r\nHost: h\r\n\r\nGET /api/x HTTP/1.1\r\nHost: h\r\n\r\n");
        var responses = await client.ReadResponsesAsync(2, Wait);

        Assert.StartsWith("HTTP/1.1 404 Not Found", responses);
        Assert.Contains("HTTP/1.1 200 OK", responses);
        Assert.DoesNotContain("127.0.0.1", responses);
    }

    [Fact]
    public async Task UnreachableBackend_Gives502WithoutInternalAddresses()
    {
        var deadPort = PortFinder.Free();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(deadPort));
        using var http = new HttpClient();
        var response = await http.GetAsync(node.BaseUri());
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.DoesNotContain(deadPort.ToString(), body);
        Assert.DoesNotContain("Exception", body);
    }

    [Fact]
    public async Task SlowBackend_Gives504()
    {
        await using var backend = new RawBackend(_ =>
        {
            Thread.Sleep(3500);
            return RawBackend.Ok("late");
        });
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        using var http = new HttpClient();
        var response = await http.GetAsync(node.BaseUri());
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
    }

    [Fact]
    public async Task ConnectFailure_IsRetriedOnAnotherBackend()
    {
        await using var backend = new RawBackend();
        var deadPort = PortFinder.Free();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(deadPort, backend.Port));
        using var http = new HttpClient();
        for (var i = 0; i < 6; i++)
        {
            var response = await http.GetAsync(node.BaseUri() + "r" + i);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(6, backend.Requests.Count);
    }

    [Fact]
    public async Task BackendClosingAKeptAliveConnection_IsRetriedOnAFreshOne()
    {
        var served = 0;
        await using var backend = new RawBackend(_ =>
            Interlocked.Increment(ref served) == 2 ? null : RawBackend.Ok("ok"));
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        using var http = new HttpClient();
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(node.BaseUri())).StatusCode);
    }

    [Fact]
    public async Task StalledRequestHead_IsCutOffWith408()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port) + "\ntimeouts { request-head = 1s }");
        using var client = new RawClient(node.Public());
        client.Send("GET / HTTP/1.1\r\nHost: h\r\nX-Slow: ");
        var response = await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(6));

        Assert.StartsWith("HTTP/1.1 408", response);
        Assert.Empty(backend.Requests);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(node.BaseUri())).StatusCode);
    }

    [Fact]
    public async Task MaxConnections_RefusesTheExcessCleanly_WithAReasonAndAnAccessLogLine()
    {
        await using var backend = new RawBackend();
        var log = Path.Combine(Path.GetTempPath(), $"refused-access-{Guid.NewGuid():N}.log");
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port) +
            $"\naccess-log {{ enabled = on, target = \"{log}\" }}", ", max-connections = 2");
        using var a = new RawClient(node.Public());
        using var b = new RawClient(node.Public());
        a.Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        b.Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        await a.ReadResponsesAsync(1, Wait);
        await b.ReadResponsesAsync(1, Wait);
        using var c = new RawClient(node.Public());
        var refused = await c.ReadUntilClosedAsync(Wait);
        Assert.StartsWith("HTTP/1.1 503", refused);
        Assert.EndsWith("\r\n\r\n503 Service Unavailable: listener at max-connections\n", refused);
        await Eventually.Holds(() => File.Exists(log) && File.ReadAllText(log).Contains("refused: listener at max-connections (public)"),
            Wait, "the refusal has an access-log line");
        File.Delete(log);
    }

    [Fact]
    public async Task UpstreamConnections_AreReusedAcrossClientConnections()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        for (var i = 0; i < 5; i++)
        {
            using var client = new RawClient(node.Public());
            client.Send("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200", await client.ReadUntilClosedAsync(Wait));
        }
        Assert.Equal(5, backend.Requests.Count);
        Assert.Equal(1, backend.Connections);
    }
}
