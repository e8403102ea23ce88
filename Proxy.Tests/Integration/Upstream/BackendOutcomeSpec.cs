using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Upstream;

/// <summary>
/// D5/P4: a backend that sends good heads and then breaks its bodies fails requests as surely as one that
/// refuses connections, so its failures count and its breaker opens; the cluster stops sending it traffic.
/// </summary>
public sealed class BackendOutcomeSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("reset")]
    [InlineData("close")]
    [InlineData("silence")]
    public async Task ABackendThatBreaksEveryBodyAfterItsHead_IsEjected(string how)
    {
        await using var good = new RawBackend(_ => RawBackend.Ok("good"));
        await using var truncating = new ScriptedBackend(async connection =>
        {
            if (await connection.ReadRequestAsync() is null) return;
            await connection.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
            switch (how)
            {
                case "reset":
                    connection.Reset();
                    return;
                case "close":
                    connection.Close();
                    return;
                default:
                    await connection.DrainUntilClosedAsync();
                    return;
            }
        });
        await using var node = await TestNode.StartAsync($$"""
            pools {
              main {
                backends = [ "127.0.0.1:{{good.Port}}", "{{truncating.Address}}" ]
                timeouts { connect = 1s, response = 500ms }
                retries { attempts = 0 }
                breaker { failures = 3, open-for = 60s }
              }
            }
            routes = [ { name = default, pool = main } ]
            """);

        // Paced, and bounded in time rather than count: the cluster needs a moment to hear of the failures.
        var consecutiveGood = 0;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (consecutiveGood < 10 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            using var client = new RawClient(node.Public());
            client.Send("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
            var response = await client.ReadUntilClosedAsync(Wait);
            consecutiveGood = response.EndsWith("good", StringComparison.Ordinal) ? consecutiveGood + 1 : 0;
        }

        Assert.Equal(10, consecutiveGood);
        Assert.True(truncating.Requests.Count >= 3, $"{truncating.Requests.Count} requests reached the breaking backend");
    }
}
