using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Middleware;

/// <summary>R3 through a real listener and backend: what the backend receives after a route's transforms, what the
/// client gets back, and that the access log keeps the path the client asked for.</summary>
public sealed class TransformsSpec : IDisposable
{
    private readonly AccessLogFile _log = new();

    public void Dispose() => _log.Dispose();

    private async Task<(RawBackend Backend, Proxy.Node.Hosting.ProxyNode Node)> Start(string route, string backendHeaders = "")
    {
        var backend = new RawBackend(_ => RawBackend.Ok("ok", backendHeaders));
        var node = await TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            defaults { request-id { enabled = off } }
            routes = [ {{route}}, { name = rest, pool = main } ]
            {{_log.Hocon}}
            """);
        return (backend, node);
    }

    [Fact]
    public async Task PathQueryAndHeaders_AreRewrittenOnTheWayUp_AndResponseHeadersOnTheWayBack()
    {
        var (backend, node) = await Start("""
            { name = api, pool = main, match { path-prefix = "/api/" }
              transforms {
                strip-prefix = "/api"
                add-prefix = "/v2"
                request-headers { set { X-Env = prod, Host = "internal.example" }, append { X-Tag = b }, remove = [ X-Debug ] }
                response-headers { set { X-Served-By = proxy }, remove = [ Server ] }
                query { set { lang = en }, remove = [ debug ] }
              } }
            """, backendHeaders: "Server: kestrel\r\nX-Served-By: backend\r\n");
        await using var _ = backend;
        await using var __ = node;
        using var client = new RawClient(node.Public());
        client.Send("GET /api/users/7?debug=1&fields=a%2Cb HTTP/1.1\r\nHost: x\r\nX-Debug: 1\r\nX-Tag: a\r\nX-Env: dev\r\n\r\n");
        var response = await client.ReadResponsesAsync(1, TimeSpan.FromSeconds(5));

        var received = Assert.Single(backend.Requests);
        Assert.Equal("GET /v2/users/7?fields=a%2Cb&lang=en HTTP/1.1", received.RequestLine);
        Assert.Equal("internal.example", received.Header("Host"));
        Assert.Equal("prod", received.Header("X-Env"));
        Assert.Null(received.Header("X-Debug"));
        Assert.Equal(["a", "b"], received.Headers.Where(h => h.Name == "X-Tag").Select(h => h.Value));
        Assert.Equal("x", received.Header("X-Forwarded-Host")); // the proxy's own fields are not the transforms' to lose

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains("\r\nX-Served-By: proxy\r\n", response);
        Assert.DoesNotContain("Server:", response);
        Assert.DoesNotContain("X-Served-By: backend", response);
        Assert.Equal("/api/users/7", Assert.Single(await _log.Lines(1)).GetProperty("path").GetString());
    }

    [Fact]
    public async Task ThePrefixItself_BecomesTheRoot_AndOtherRoutesAreUntouched()
    {
        var (backend, node) = await Start("""
            { name = api, pool = main, match { path-prefix = "/api" }, transforms { strip-prefix = "/api" } }
            """);
        await using var _ = backend;
        await using var __ = node;
        using var client = new RawClient(node.Public());
        client.Send("GET /api HTTP/1.1\r\nHost: x\r\n\r\nGET /apix/y HTTP/1.1\r\nHost: x\r\n\r\nGET /api/z?q HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.ReadResponsesAsync(3, TimeSpan.FromSeconds(5));
        Assert.Equal(["GET / HTTP/1.1", "GET /apix/y HTTP/1.1", "GET /z?q HTTP/1.1"], backend.Requests.Select(r => r.RequestLine));
    }

    [Fact]
    public async Task ResponseHeaderTransforms_LeaveTheNodesOwnAnswersAlone()
    {
        await using var node = await TestNode.StartAsync("""
            pools { main { backends = [ "127.0.0.1:9" ], timeouts { connect = 500ms } } }
            routes = [ { name = api, pool = main, transforms { response-headers { set { X-Served-By = proxy } } } } ]
            """);
        using var client = new RawClient(node.Public());
        client.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadResponsesAsync(1, TimeSpan.FromSeconds(5));
        Assert.StartsWith("HTTP/1.1 502", response);
        Assert.DoesNotContain("X-Served-By", response);
    }
}
