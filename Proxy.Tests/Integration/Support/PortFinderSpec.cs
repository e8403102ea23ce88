using Xunit;

namespace Proxy.Tests.Integration.Support;

/// <summary>The process specs' ports: ranges taken one after another never share a port.</summary>
public sealed class PortFinderSpec
{
    private const int Size = 22_767; // 10000 up to the start of Linux's default ephemeral range (32768)

    /// <summary>Ranges of the sizes <see cref="LocalClusterRun.WithPortsFor"/> takes (3, 3, 3, 2, 3) and single ports,
    /// taken in turn, never share a port within a lap of the sequence, wherever it starts: at 0, just before the wrap,
    /// laps into it (as a process id puts it). With one modulus per count, a range of 2 after ranges of 3 started one port
    /// early once the sequence had wrapped: CI's cluster starts put backend-a on node-3's remoting port.</summary>
    [Theory]
    [InlineData(0L)]
    [InlineData(Size - 7L)]
    [InlineData(3L * Size - 5)]
    [InlineData(1_000_003L)]
    public void RangesTakenInTurn_NeverShareAPort(long first)
    {
        int[] counts = [3, 3, 3, 2, 3, 1, 1, 2];
        var taken = new HashSet<int>();
        var position = first;
        for (var call = 0; call < 2000; call++) // about 4500 ports: less than a lap
        {
            var count = counts[call % counts.Length];
            var offset = PortFinder.Offset(position, count, Size);
            position += count;
            if (offset < 0) continue; // would run past the last port: the next call wraps
            Assert.InRange(offset, 0, Size - count);
            foreach (var port in Enumerable.Range(offset, count))
                Assert.True(taken.Add(port), $"offset {port} handed out twice (call {call}, a range of {count})");
        }
        Assert.InRange(taken.Count, 4000, 4600);
    }
}
