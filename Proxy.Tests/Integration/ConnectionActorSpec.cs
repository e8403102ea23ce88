using Akka.Actor;
using Proxy.Actors.Connections;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>
/// D1: every inbound connection is its own actor under its listener's actor
/// (<c>/user/listener-NAME/StreamSupervisor-N/conn-N-…</c>), gone when it closes.
/// </summary>
public sealed class ConnectionActorSpec
{
    [Fact]
    public async Task EachOpenConnection_IsAnActorUnderItsListener()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        // Before any client connects the listener has no child: accepts run on the socket's completions, not in a stream.
        const int baseline = 0;
        await WaitForCount(node.System, baseline);

        var clients = Enumerable.Range(0, 3).Select(_ => new RawClient(node.Public())).ToList();
        foreach (var c in clients)
        {
            c.Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            await c.ReadResponsesAsync(1, TimeSpan.FromSeconds(10));
        }
        var actors = await Children(node.System);
        Assert.Equal(baseline + 3, actors.Count);
        // Each runs on the connection dispatcher's small queue, not Akka's ~1 KB ConcurrentQueue.
        foreach (var actor in actors)
            Assert.IsType<ConnectionMessageQueue>(((ActorCell)((ActorRefWithCell)actor).Underlying).Mailbox!.MessageQueue);

        foreach (var c in clients) c.Dispose();
        await WaitForCount(node.System, baseline);
    }

    private static async Task WaitForCount(ActorSystem system, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await CountChildren(system) != expected && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(expected, await CountChildren(system));
    }

    private static async Task<int> CountChildren(ActorSystem system) => (await Children(system)).Count;

    private static async Task<List<IActorRef>> Children(ActorSystem system)
    {
        var probe = system.ActorSelection("/user/listener-public/*/*");
        var replies = new List<ActorIdentity>();
        var inbox = Inbox.Create(system);
        probe.Tell(new Identify(1), inbox.Receiver);
        try
        {
            while (true) replies.Add((ActorIdentity)await inbox.ReceiveAsync(TimeSpan.FromMilliseconds(500)));
        }
        catch (TimeoutException)
        {
            // No more children answered.
        }
        // Every one is a connection.
        return replies.Where(r => r.Subject is not null).Select(r => r.Subject!).ToList();
    }
}
