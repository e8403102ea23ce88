using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Middleware;

/// <summary>E6 through a real listener and backend: the id a request travels with — the client's when usable,
/// otherwise a generated UUID v7 — reaches the backend, comes back to the client (also on the node's own answers)
/// and is in the access log as <c>requestId</c>.</summary>
public sealed class RequestIdSpec : IDisposable
{
    private readonly AccessLogFile _log = new();

    public void Dispose() => _log.Dispose();

    private static string HeaderOf(string response, string name) =>
        response.Split("\r\n").Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            .Select(l => l[(name.Length + 1)..].Trim()).Single();

    [Fact]
    public async Task ByDefault_AGeneratedIdGoesUpstream_BackToTheClient_AndIntoTheAccessLog()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port) + "\n" + _log.Hocon);
        using var client = new RawClient(node.Public());
        client.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadResponsesAsync(1, TimeSpan.FromSeconds(5));

        var id = HeaderOf(response, "X-Request-ID");
        Assert.True(Guid.TryParse(id, out var guid) && guid.Version == 7, id);
        Assert.Equal(id, Assert.Single(backend.Requests).Header("X-Request-ID"));
        Assert.Equal(id, Assert.Single(await _log.Lines(1)).GetProperty("requestId").GetString());
    }

    [Fact]
    public async Task TheClientsId_IsKept_AndAnUnusableOne_IsReplaced()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port) + "\n" + _log.Hocon);
        using var client = new RawClient(node.Public());
        client.Send("GET /a HTTP/1.1\r\nHost: x\r\nX-Request-ID: client-7f3a\r\n\r\n" +
                    $"GET /b HTTP/1.1\r\nHost: x\r\nX-Request-ID: {new string('z', 129)}\r\n\r\n");
        var responses = await client.ReadResponsesAsync(2, TimeSpan.FromSeconds(5));
        var ids = responses.Split("\r\n").Where(l => l.StartsWith("X-Request-ID:")).Select(l => l[13..].Trim()).ToList();

        Assert.Equal(2, ids.Count);
        Assert.Equal("client-7f3a", ids[0]);
        Assert.True(Guid.TryParse(ids[1], out _), ids[1]);
        Assert.Equal(ids, backend.Requests.Select(r => r.Header("X-Request-ID")));
        Assert.Equal(ids, (await _log.Lines(2)).Select(l => l.GetProperty("requestId").GetString()));
    }

    [Fact]
    public async Task TheNodesOwnAnswers_CarryAnId_EvenWithoutARouteOrAReadableHead()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            routes = [ { name = api, pool = main, match { path-prefix = "/api/" } } ]
            {{_log.Hocon}}
            """);
        using (var client = new RawClient(node.Public()))
        {
            client.Send("GET /nowhere HTTP/1.1\r\nHost: x\r\nX-Request-ID: lost-1\r\n\r\n");
            var notFound = await client.ReadResponsesAsync(1, TimeSpan.FromSeconds(5));
            Assert.StartsWith("HTTP/1.1 404", notFound);
            Assert.Equal("lost-1", HeaderOf(notFound, "X-Request-ID"));
        }
        using (var client = new RawClient(node.Public()))
        {
            client.Send("GET / HTTP/1.1\r\nHost: a\r\nBad Header Name: x\r\n\r\n");
            var bad = await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(5));
            Assert.StartsWith("HTTP/1.1 400", bad);
            Assert.True(Guid.TryParse(HeaderOf(bad, "X-Request-ID"), out _));
        }
        Assert.Empty(backend.Requests);
        var lines = await _log.Lines(2);
        Assert.Equal("lost-1", lines[0].GetProperty("requestId").GetString());
        Assert.Equal(404, lines[0].GetProperty("status").GetInt32());
        Assert.True(Guid.TryParse(lines[1].GetProperty("requestId").GetString(), out _));
    }

    [Fact]
    public async Task ARouteCanNameItsOwnHeader_OrTurnIdsOff()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            defaults { request-id { header = X-Correlation-Id } }
            routes = [
              { name = quiet, pool = main, match { path-prefix = "/quiet/" }, request-id { enabled = off } }
              { name = passthrough, pool = main, match { path-prefix = "/pass/" }, request-id { generate = off } }
              { name = rest, pool = main }
            ]
            """);
        using var client = new RawClient(node.Public());
        client.Send("GET /quiet/a HTTP/1.1\r\nHost: x\r\nX-Correlation-Id: kept-as-is\r\n\r\n" +
                    "GET /pass/a HTTP/1.1\r\nHost: x\r\n\r\n" +
                    "GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
        var responses = (await client.ReadResponsesAsync(3, TimeSpan.FromSeconds(5))).Split("HTTP/1.1 ", StringSplitOptions.RemoveEmptyEntries);

        Assert.DoesNotContain("X-Correlation-Id", responses[0]); // off: not returned…
        Assert.Equal("kept-as-is", backend.Requests.First().Header("X-Correlation-Id")); // …and the field passes untouched
        Assert.DoesNotContain("X-Correlation-Id", responses[1]); // nothing to pass on, none generated
        Assert.Null(backend.Requests.ElementAt(1).Header("X-Correlation-Id"));
        Assert.True(Guid.TryParse(HeaderOf(responses[2], "X-Correlation-Id"), out _));
        Assert.DoesNotContain("X-Request-ID", responses[2]);
    }
}
