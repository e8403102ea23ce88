using Proxy.Shared.Configuration;
using Proxy.Shared.Routing;
using Xunit;

namespace Proxy.Tests.Routing;

/// <summary>R2's choice of a pool: shares by weight, the same pool for the same key, weight 0 never chosen.</summary>
public sealed class PoolSplitTests
{
    private static PoolSplit Split(params (string Pool, int Weight)[] targets) =>
        new(targets.Select(t => new SplitTarget(t.Pool, t.Weight)).ToList(), key: null);

    [Fact]
    public void Draws_FollowTheWeights()
    {
        var split = Split(("a", 70), ("b", 20), ("c", 10));
        var counts = Enumerable.Range(0, 100_000).Select(_ => split.Choose(null)).GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
        Assert.InRange(counts["a"], 69_000, 71_000);
        Assert.InRange(counts["b"], 19_000, 21_000);
        Assert.InRange(counts["c"], 9_000, 11_000);
    }

    [Fact]
    public void Keys_AlwaysLandOnTheSamePool_AndSpreadByTheWeights()
    {
        var split = Split(("stable", 90), ("canary", 10));
        var again = Split(("stable", 90), ("canary", 10)); // another node, or after a restart
        var canary = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var key = "user-" + i;
            var pool = split.Choose(key);
            Assert.Equal(pool, again.Choose(key));
            if (pool == "canary") canary++;
        }
        Assert.InRange(canary, 1_700, 2_300);
    }

    [Fact]
    public void AWeightOfZero_IsNeverChosen() =>
        Assert.All(Enumerable.Range(0, 1_000), i => Assert.Equal("b", Split(("a", 0), ("b", 5)).Choose(i % 2 == 0 ? null : "k" + i)));
}
