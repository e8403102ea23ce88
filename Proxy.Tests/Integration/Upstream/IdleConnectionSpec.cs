using System.Text;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Upstream;

/// <summary>
/// D7: a pooled upstream connection that the backend wrote to (or closed) while it rested, or whose response
/// ended with more bytes than its framing accounts for, is never used again, so no client can be handed
/// another request's response (response queue poisoning).
/// </summary>
public sealed class IdleConnectionSpec
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private const string Poison = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nPOISON";

    /// <summary>What the backend writes for <c>/garbage-after</c>: a first write, then 50 ms later a second one.</summary>
    public static TheoryData<string, string, string> Variants => new()
    {
        { "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", Poison },
        { "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n", Poison },
        { "GET", "HTTP/1.1 204 No Content\r\n\r\n", Poison },
        { "GET", "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", Poison },
        // Content-Length says 2; the body goes on in a second write that carries a whole response after it.
        { "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nh", "i" + Poison },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task BytesWrittenAfterAResponse_NeverReachTheNextClients(string method, string first, string later)
    {
        await using var backend = new ScriptedBackend(async connection =>
        {
            while (await connection.ReadRequestAsync() is { } request)
            {
                if (request.RequestLine.Contains("/garbage-after"))
                {
                    await connection.WriteAsync(first);
                    await connection.DelayAsync(50);
                    await connection.WriteAsync(later);
                    continue;
                }
                await connection.WriteAsync(RawBackend.Ok("ok " + request.RequestLine.Split(' ')[1]));
            }
        });
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));

        var first1 = await Ask(node, method, "/garbage-after");
        Assert.StartsWith("HTTP/1.1 ", first1);
        await Task.Delay(100);
        var answers = new List<string>();
        for (var i = 1; i <= 6; i++)
        {
            answers.Add(await Ask(node, "GET", $"/user{i}/x"));
            await Task.Delay(10);
        }

        for (var i = 2; i <= 6; i++)
            Assert.EndsWith($"ok /user{i}/x", answers[i - 1]);
        Assert.DoesNotContain(answers, a => a.Contains("POISON"));
    }

    [Theory]
    [InlineData("fin")]
    [InlineData("bytes")]
    public async Task ARestingConnectionTheBackendClosesOrWritesTo_IsClosedWithoutWaitingForItsNextUse(string disturbance)
    {
        var closedByProxy = new TaskCompletionSource<bool>();
        await using var backend = new ScriptedBackend(async connection =>
        {
            if (await connection.ReadRequestAsync() is null) return;
            await connection.WriteAsync(RawBackend.Ok("hi"));
            await connection.DelayAsync(100);
            if (disturbance == "fin") connection.ShutdownSend();
            else await connection.WriteAsync(Poison);
            closedByProxy.TrySetResult(await connection.ClosedByProxyWithinAsync(TimeSpan.FromSeconds(3)));
        });
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));

        Assert.EndsWith("hi", await Ask(node, "GET", "/once"));

        // No further request is sent: the pool's sweep of resting connections must notice.
        Assert.True(await closedByProxy.Task.WaitAsync(Wait), "the proxy kept the disturbed connection open");
    }

    [Fact]
    public async Task ABackendThatClosesAfterEachResponseWithoutSayingSo_AnswersEveryRequest()
    {
        await using var backend = new ScriptedBackend(async connection =>
        {
            if (await connection.ReadRequestAsync() is not { } request) return;
            await connection.WriteAsync(RawBackend.Ok("ok " + request.RequestLine.Split(' ')[0]));
            connection.Close();
        });
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));

        var statuses = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var method = i % 2 == 0 ? "GET" : "POST";
            statuses.Add((await Ask(node, method, "/n" + i))[..12]);
            await Task.Delay(10);
        }

        Assert.All(statuses, s => Assert.Equal("HTTP/1.1 200", s));
        Assert.Equal(10, backend.Count("POST"));
        Assert.Equal(10, backend.Count("GET"));
    }

    private static async Task<string> Ask(Proxy.Node.Hosting.ProxyNode node, string method, string path)
    {
        using var client = new RawClient(node.Public());
        var body = method == "POST" ? "Content-Length: 2\r\n" : "";
        client.Send($"{method} {path} HTTP/1.1\r\nHost: h\r\n{body}Connection: close\r\n\r\n{(body.Length > 0 ? "hi" : "")}");
        return await client.ReadUntilClosedAsync(Wait);
    }
}
