using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Upstream;

/// <summary>
/// D5: a request that may have reached the backend is sent again only when that is safe (RFC 9110 §9.2.2,
/// RFC 9112 §9.3.1.1): its method is idempotent, it carries <c>Idempotency-Key</c>, or its route opted in,
/// and its body is still in hand. Counted at the backend.
/// </summary>
public sealed class RetryRulesSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static string Config(int port, bool routeOptIn) => $$"""
        pools {
          main {
            backends = [ "127.0.0.1:{{port}}" ]
            timeouts { connect = 1s, response = 2s }
            retries { attempts = 2, statuses = [503], budget = 100% }
          }
        }
        routes = [ { name = default, pool = main {{(routeOptIn ? ", retries { non-idempotent = on }" : "")}} } ]
        """;

    /// <summary>method, extra header lines, body, route opt-in, times the backend saw it, status the client got.</summary>
    public static TheoryData<string, string, string, bool, int, int> Requests => new()
    {
        { "GET", "", "", false, 2, 200 },
        { "HEAD", "", "", false, 2, 200 },
        { "OPTIONS", "", "", false, 2, 200 },
        { "DELETE", "", "", false, 2, 200 },
        { "POST", "", "", false, 1, 502 },
        { "POST", "", "hi", false, 1, 502 },
        { "PATCH", "", "hi", false, 1, 502 },
        { "LOCK", "", "", false, 1, 502 },
        { "POST", "Idempotency-Key: 8e03978e\r\n", "", false, 2, 200 },
        { "POST", "", "", true, 2, 200 },
        // Idempotent, but its body was already sent and is no longer in hand.
        { "PUT", "", "hi", false, 1, 502 },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task AReusedConnectionClosedAfterReadingTheRequest_ResendsOnlyWhatIsSafe(
        string method, string headers, string body, bool routeOptIn, int seen, int status)
    {
        // Each connection answers its first request and closes, unanswered, on the second.
        await using var backend = new ScriptedBackend(async connection =>
        {
            if (await connection.ReadRequestAsync() is null) return;
            await connection.WriteAsync(RawBackend.Ok("first"));
            if (await connection.ReadRequestAsync() is null) return;
            connection.Close();
        });
        await using var node = await TestNode.StartAsync(Config(backend.Port, routeOptIn));
        using var client = new RawClient(node.Public());
        client.Send("GET /warm HTTP/1.1\r\nHost: h\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await client.ReadResponsesAsync(1, Wait));

        client.Send($"{method} /x HTTP/1.1\r\nHost: h\r\n{headers}Content-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
        var response = await client.ReadUntilClosedAsync(Wait);

        Assert.StartsWith($"HTTP/1.1 {status}", response);
        Assert.Equal(seen, backend.Requests.Count(r => r.RequestLine.StartsWith(method + " /x ", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("GET", "", 3, 502)]
    [InlineData("PUT", "", 3, 502)]
    [InlineData("POST", "", 1, 502)]
    [InlineData("PATCH", "", 1, 502)]
    [InlineData("POST", "Idempotency-Key: 1\r\n", 3, 502)]
    public async Task ABackendThatClosesWithoutAnswering_SeesEachSafeRequestOncePerAttempt(
        string method, string headers, int seen, int status)
    {
        await using var backend = new ScriptedBackend(async connection =>
        {
            if (await connection.ReadRequestAsync() is null) return;
            connection.Close();
        });
        await using var node = await TestNode.StartAsync(Config(backend.Port, routeOptIn: false));
        using var client = new RawClient(node.Public());
        client.Send($"{method} /x HTTP/1.1\r\nHost: h\r\n{headers}Content-Length: 0\r\nConnection: close\r\n\r\n");
        var response = await client.ReadUntilClosedAsync(Wait);

        Assert.StartsWith($"HTTP/1.1 {status}", response);
        Assert.Equal(seen, backend.Count(method));
    }
}
