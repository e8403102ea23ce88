using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Upstream;

/// <summary>
/// D3: how a backend's response is framed on its way to the client (RFC 9112 §6, §8; RFC 9110 §6.5, §15.2):
/// resets are not clean ends, codings are never dropped, 1xx responses go on, duplicate lengths are made one,
/// and trailers carry only what a trailer may.
/// </summary>
public sealed class ResponseFramingSpec : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly string _accessLog = Path.Combine(Path.GetTempPath(), $"framing-access-{Guid.NewGuid():N}.log");

    public void Dispose() => File.Delete(_accessLog);

    private Task<ProxyNode> StartNode(int port) => TestNode.StartAsync(TestNode.PoolFor(port) +
        $"\naccess-log {{ enabled = on, target = \"{_accessLog}\" }}");

    /// <summary>A backend that answers every request with <paramref name="write"/>, then does <paramref name="after"/>.</summary>
    private static ScriptedBackend Answering(string write, Action<ScriptedConnection>? after = null) =>
        new(async connection =>
        {
            while (await connection.ReadRequestAsync() is not null)
            {
                await connection.WriteAsync(write);
                if (after is null) continue;
                await connection.DelayAsync(20);
                after(connection);
                return;
            }
        });

    private static async Task<string> Ask(ProxyNode node, string request)
    {
        using var client = new RawClient(node.Public());
        client.Send(request);
        return await client.ReadUntilClosedAsync(Wait);
    }

    private const string Get11 = "GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    private const string Get10 = "GET /x HTTP/1.0\r\nHost: h\r\n\r\n";

    /// <summary>Waits until an access-log line's <c>error</c> field (JSON, so read decoded) contains <paramref name="text"/>.</summary>
    private Task AccessLogHolds(string text) => Eventually.Holds(
        () => File.Exists(_accessLog) && File.ReadAllLines(_accessLog).Any(line =>
            System.Text.Json.JsonDocument.Parse(line).RootElement.TryGetProperty("error", out var error) &&
            error.GetString()!.Contains(text, StringComparison.Ordinal)),
        Wait, $"the access log says '{text}'");

    [Fact]
    public async Task AResetDuringACloseDelimitedBody_AbortsTheClientWithoutTheLastChunk_AndIsLoggedAsAnError()
    {
        await using var backend = Answering("HTTP/1.1 200 OK\r\n\r\npartial body", c => c.Reset());
        await using var node = await StartNode(backend.Port);

        var response = await Ask(node, Get11);

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains("partial body", response);
        Assert.DoesNotContain("0\r\n\r\n", response);
        await AccessLogHolds("upstream connection reset mid-body");
    }

    [Fact]
    public async Task ACleanCloseEndsACloseDelimitedBody()
    {
        await using var backend = Answering("HTTP/1.1 200 OK\r\n\r\nwhole body", c => c.Close());
        await using var node = await StartNode(backend.Port);

        var response = await Ask(node, Get11);

        Assert.Contains("Transfer-Encoding: chunked", response);
        Assert.EndsWith("a\r\nwhole body\r\n0\r\n\r\n", response);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n", "unsupported Transfer-Encoding 'gzip, chunked' (only chunked)")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabcde", "unsupported Transfer-Encoding 'gzip' (only chunked)")]
    [InlineData("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n", "HTTP/1.0 response with Transfer-Encoding")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcde", "two different Content-Length values")]
    [InlineData("HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n", "obsolete line folding (obs-fold) is not allowed")]
    public async Task AResponseWithFramingWeCannotRelay_Is502_AndTheLogSaysWhy(string write, string reason)
    {
        await using var backend = Answering(write);
        await using var node = await StartNode(backend.Port);

        var response = await Ask(node, Get11);

        Assert.StartsWith("HTTP/1.1 502", response);
        Assert.DoesNotContain("abcde", response);
        await AccessLogHolds("malformed response from upstream: " + reason);
        // The node keeps serving.
        Assert.StartsWith("HTTP/1.1 502", await Ask(node, Get11));
    }

    [Theory]
    [InlineData("Content-Length: 5\r\nContent-Length: 5\r\n")]
    [InlineData("Content-Length: 5, 5\r\n")]
    public async Task RepeatedIdenticalContentLengths_ReachTheClientAsOne(string lengths)
    {
        await using var backend = Answering($"HTTP/1.1 200 OK\r\n{lengths}\r\nabcde");
        await using var node = await StartNode(backend.Port);

        var response = await Ask(node, Get11);

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Single(response.Split("\r\n"), l => l.StartsWith("Content-Length", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("\r\nContent-Length: 5\r\n", response);
        Assert.EndsWith("\r\n\r\nabcde", response);
    }

    private const string EarlyHints = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nConnection: X-Hop\r\nX-Hop: 1\r\n\r\n" +
                                      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    [Fact]
    public async Task EarlyHints_GoOnToAnHttp11Client_BeforeTheFinalResponse()
    {
        await using var backend = Answering(EarlyHints);
        await using var node = await StartNode(backend.Port);

        var response = await Ask(node, Get11);

        Assert.StartsWith("HTTP/1.1 103 Early Hints\r\n", response);
        var hints = response[..response.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.Contains("Link: </style.css>; rel=preload", hints);
        Assert.Contains("Via: 1.1 akka-proxy", hints);
        Assert.DoesNotContain("X-Hop", hints);
        Assert.Contains("\r\n\r\nHTTP/1.1 200 OK\r\n", response);
        Assert.EndsWith("ok", response);
    }

    [Fact]
    public async Task EarlyHints_AreDroppedForAnHttp10Client()
    {
        await using var backend = Answering(EarlyHints);
        await using var node = await StartNode(backend.Port);

        var response = await Ask(node, Get10);

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response);
        Assert.DoesNotContain("HTTP/1.1 103", response); // (a bare "103" could be in the random request id)
        Assert.EndsWith("ok", response);
    }

    [Fact]
    public async Task ResponseTrailers_KeepWhatATrailerMayCarry_AndTheTrailerHeaderPasses()
    {
        await using var backend = Answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n" +
                                            "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nContent-Length: 99\r\nSet-Cookie: s=1\r\nHost: evil\r\n\r\n");
        await using var node = await StartNode(backend.Port);

        var response = await Ask(node, Get11);

        Assert.Contains("\r\nTrailer: X-Checksum\r\n", response);
        Assert.EndsWith("0\r\nX-Checksum: abc\r\n\r\n", response);
        Assert.DoesNotContain("Content-Length: 99", response); // (a bare "99" could be in the random request id)
        Assert.DoesNotContain("s=1", response);
        Assert.DoesNotContain("evil", response);
    }

    [Fact]
    public async Task AnHttp10Client_GetsNeitherTrailersNorTheTrailerHeader()
    {
        await using var backend = Answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n" +
                                            "5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n");
        await using var node = await StartNode(backend.Port);

        var response = await Ask(node, Get10);

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.DoesNotContain("Trailer", response);
        Assert.DoesNotContain("X-Checksum", response);
        Assert.EndsWith("\r\n\r\nhello", response);
    }

    [Fact]
    public async Task RequestTrailers_KeepWhatATrailerMayCarry()
    {
        await using var backend = new RawBackend();
        await using var node = await StartNode(backend.Port);

        await Ask(node, "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\nConnection: close\r\n\r\n" +
                        "3\r\nabc\r\n0\r\nX-Sum: 7\r\nAuthorization: Basic Zm9vOmJhcg==\r\nContent-Type: text/evil\r\n\r\n");

        var seen = Assert.Single(backend.Requests);
        Assert.Equal("X-Sum", seen.Header("Trailer"));
        Assert.EndsWith("0\r\nX-Sum: 7\r\n\r\n", System.Text.Encoding.ASCII.GetString(seen.Body));
    }
}
