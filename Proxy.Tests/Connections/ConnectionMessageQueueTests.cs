using Akka.Actor;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;
using Proxy.Actors.Connections;
using Xunit;

namespace Proxy.Tests.Connections;

/// <summary>
/// Issue 14: the connection actors' queue (a small FIFO under a lock, instead of Akka's ~1 KB ConcurrentQueue) keeps
/// Akka's contract: FIFO per producer with several producers at once, the count and the has-messages hint the mailbox
/// schedules by, and what is left going to dead letters when the actor stops.
/// </summary>
public sealed class ConnectionMessageQueueTests
{
    [Fact]
    public void EmptyQueue_HasNothingToDequeue()
    {
        var queue = new ConnectionMessageQueue();
        Assert.False(queue.HasMessages);
        Assert.Equal(0, queue.Count);
        Assert.False(queue.TryDequeue(out _));
    }

    [Fact]
    public void Messages_ComeOutInTheOrderTheyWentIn()
    {
        var queue = new ConnectionMessageQueue();
        for (var i = 0; i < 100; i++) queue.Enqueue(ActorRefs.Nobody, new Envelope(i, ActorRefs.NoSender));
        Assert.True(queue.HasMessages);
        Assert.Equal(100, queue.Count);
        for (var i = 0; i < 100; i++)
        {
            Assert.True(queue.TryDequeue(out var envelope));
            Assert.Equal(i, envelope.Message);
        }
        Assert.False(queue.HasMessages);
    }

    [Fact]
    public async Task ConcurrentProducers_EachKeepTheirOrder_AndNothingIsLost()
    {
        const int producers = 4, perProducer = 20_000;
        var queue = new ConnectionMessageQueue();
        var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, producers).Select(p => Task.Run(() =>
        {
            start.Wait();
            for (var i = 0; i < perProducer; i++) queue.Enqueue(ActorRefs.Nobody, new Envelope((p, i), ActorRefs.NoSender));
        })).ToArray();
        var next = new int[producers];
        var taken = 0;
        start.Set();
        // One consumer, as the mailbox runs one actor at a time, taking while the producers still put.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (taken < producers * perProducer && DateTime.UtcNow < deadline)
        {
            if (!queue.TryDequeue(out var envelope)) continue;
            var (p, i) = ((int, int))envelope.Message;
            Assert.Equal(next[p], i);
            next[p]++;
            taken++;
        }
        await Task.WhenAll(tasks);
        Assert.Equal(producers * perProducer, taken);
        Assert.False(queue.HasMessages);
    }

    [Fact]
    public void CleanUp_SendsWhatIsLeftToDeadLetters()
    {
        var queue = new ConnectionMessageQueue();
        queue.Enqueue(ActorRefs.Nobody, new Envelope("a", ActorRefs.NoSender));
        queue.Enqueue(ActorRefs.Nobody, new Envelope("b", ActorRefs.NoSender));
        var deadLetters = new UnboundedMessageQueue();
        queue.CleanUp(ActorRefs.Nobody, deadLetters);
        Assert.False(queue.HasMessages);
        Assert.Equal(2, deadLetters.Count);
        Assert.True(deadLetters.TryDequeue(out var first));
        Assert.Equal("a", first.Message);
    }
}
