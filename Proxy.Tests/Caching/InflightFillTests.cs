using Akka.IO;
using Proxy.Actors.Caching;
using Proxy.Shared.Http;
using Xunit;

namespace Proxy.Tests.Caching;

/// <summary>Issue 15: one origin fetch shared by the requests that wait for it — each waiter reads every chunk in order
/// at its own pace, whether it arrived before or after the waiter asked; a fetch that is declined or breaks off tells
/// the waiters.</summary>
public sealed class InflightFillTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static SharedHead Head() => new(new HttpResponseHead
    {
        Status = 200, Reason = "OK", Version = 11, Headers = new HttpHeaderList(), Framing = BodyFraming.Chunked,
    }, null, "");

    private static async Task<string> ReadAll(InflightFill fill)
    {
        var text = "";
        for (var i = 0; ; i++)
        {
            var (data, last) = await fill.ReadAsync(i).AsTask().WaitAsync(Wait);
            text += data.ToString();
            if (last) return text;
        }
    }

    [Fact]
    public async Task WaitersThatJoinBeforeAndAfterTheChunks_EachReadTheWholeBodyInOrder()
    {
        var fill = new InflightFill("k");
        var early = ReadAll(fill);
        fill.Publish(Head());
        fill.Append(ByteString.FromString("one "));
        var middle = ReadAll(fill);
        fill.Append(ByteString.FromString("two "));
        fill.Append(ByteString.Empty); // an empty piece adds nothing
        fill.Append(ByteString.FromString("three"));
        fill.Complete();
        var late = ReadAll(fill);

        Assert.Equal(["one two three", "one two three", "one two three"], await Task.WhenAll(early, middle, late));
        Assert.NotNull(await fill.Head);
    }

    [Fact]
    public async Task ManyConcurrentWaiters_GetIdenticalBodies()
    {
        var fill = new InflightFill("k");
        fill.Publish(Head());
        var readers = Enumerable.Range(0, 32).Select(_ => Task.Run(() => ReadAll(fill))).ToList();
        var expected = "";
        for (var i = 0; i < 200; i++)
        {
            var piece = $"chunk-{i};";
            expected += piece;
            fill.Append(ByteString.FromString(piece));
            if (i % 50 == 0) await Task.Yield();
        }
        fill.Complete();

        Assert.All(await Task.WhenAll(readers), body => Assert.Equal(expected, body));
    }

    [Fact]
    public async Task AnEmptyBody_EndsAtOnce()
    {
        var fill = new InflightFill("k");
        fill.Publish(Head());
        fill.Complete();
        var (data, last) = await fill.ReadAsync(0);
        Assert.True(data.IsEmpty);
        Assert.True(last);
    }

    [Fact]
    public async Task AFetchThatBreaksOff_FailsItsWaiters_AfterWhatTheyAlreadyHad()
    {
        var fill = new InflightFill("k");
        fill.Publish(Head());
        fill.Append(ByteString.FromString("part"));
        var (first, last) = await fill.ReadAsync(0);
        var pending = fill.ReadAsync(1).AsTask();
        fill.Fail("the origin went away");

        Assert.Equal(("part", false), (first.ToString(), last));
        var error = await Assert.ThrowsAsync<IOException>(() => pending.WaitAsync(Wait));
        Assert.Equal("the origin went away", error.Message);
        fill.Complete(); // too late: the fill stays failed
        await Assert.ThrowsAsync<IOException>(() => fill.ReadAsync(1).AsTask());
    }

    [Fact]
    public async Task ADeclinedOrFailedFetch_TellsThoseStillWaitingForTheHead()
    {
        var declined = new InflightFill("a");
        var waiting = declined.Head;
        declined.Decline();
        Assert.Null(await waiting.WaitAsync(Wait));

        var failed = new InflightFill("b");
        failed.Fail("no response");
        Assert.Null(await failed.Head.WaitAsync(Wait));
    }
}
