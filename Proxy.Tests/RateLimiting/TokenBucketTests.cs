using CsCheck;
using Proxy.Shared.RateLimiting;
using Xunit;

namespace Proxy.Tests.RateLimiting;

public sealed class TokenBucketTests
{
    private static readonly long Second = TimeSpan.TicksPerSecond;
    private static RateSpec PerSecond(long n) => new(n, TimeSpan.FromSeconds(1));

    [Fact]
    public void AFullBucket_AdmitsTheBurstAtOnce_ThenOnePerInterval()
    {
        var bucket = new TokenBucket(PerSecond(10), burst: 5);
        var now = 1_000 * Second;
        for (var i = 0; i < 5; i++) Assert.True(bucket.TryTake(now).Allowed);
        var denied = bucket.TryTake(now);
        Assert.False(denied.Allowed);
        Assert.Equal(0, denied.Remaining);
        Assert.Equal(Second / 10, denied.RetryAfter);
        Assert.False(bucket.TryTake(now + Second / 10 - 1).Allowed);
        Assert.True(bucket.TryTake(now + Second / 10).Allowed);
    }

    [Theory]
    [InlineData(2, 2, 5, 3)]   // burst raised: what was taken stays taken
    [InlineData(10, 7, 5, 0)]  // burst lowered below what was taken: empty, not negative
    [InlineData(10, 4, 5, 1)]
    [InlineData(10, 0, 3, 3)]  // nothing taken: full at the new burst
    [InlineData(10, 3, 20, 17)]
    public void ARetunedBucket_KeepsWhatWasTaken(int burst, int taken, int newBurst, int available)
    {
        var bucket = new TokenBucket(PerSecond(1), burst);
        var now = 1_000 * Second;
        Assert.Equal(taken, bucket.TakeUpTo(now, taken));
        var retuned = bucket.Retuned(PerSecond(2), newBurst, now);
        Assert.Equal(newBurst, retuned.Burst);
        Assert.Equal(available, retuned.Available(now));
        Assert.Equal(Math.Min(newBurst, available + 2), retuned.Available(now + Second)); // refills at the new rate
    }

    [Fact]
    public void RemainingAndReset_DescribeTheBucket()
    {
        var bucket = new TokenBucket(PerSecond(100), burst: 100);
        var now = 50 * Second;
        var first = bucket.TryTake(now);
        Assert.Equal(99, first.Remaining);
        Assert.Equal(Second / 100, first.ResetAfter);
        Assert.Equal(100, bucket.Available(now + 10 * Second));
    }

    [Fact]
    public void Leases_TakeWhatIsThere_AndUnusedTokensCanBeGivenBack()
    {
        var bucket = new TokenBucket(PerSecond(50), burst: 50);
        var now = 10 * Second;
        Assert.Equal(30, bucket.TakeUpTo(now, 30));
        Assert.Equal(20, bucket.TakeUpTo(now, 30));
        Assert.Equal(0, bucket.TakeUpTo(now, 1));
        bucket.GiveBack(now, 10);
        Assert.Equal(10, bucket.Available(now));
    }

    [Fact]
    public void Property_OverAnyWindow_AdmittedNeverExceedsBurstPlusRateTimesWindow()
    {
        // Random request times over 0-5 s against random rates and bursts: a token bucket admits at most
        // burst + rate × elapsed, and (requests arriving continuously) never starves below rate × elapsed - 1.
        Gen.Select(Gen.Int[1, 200], Gen.Int[1, 300], Gen.Int[1, 2000].Array[1, 400])
            .Sample((rate, burst, offsetsMs) =>
            {
                var bucket = new TokenBucket(PerSecond(rate), burst);
                var times = offsetsMs.Select(ms => 100 * Second + ms * TimeSpan.TicksPerMillisecond).Order().ToArray();
                var admitted = times.Count(t => bucket.TryTake(t).Allowed);
                var window = (double)(times[^1] - times[0]) / Second;
                return admitted <= burst + rate * window + 1e-9;
            }, iter: 300);
    }

    [Theory]
    [InlineData("100/s", 100, 1)]
    [InlineData("6000/min", 6000, 60)]
    [InlineData(" 5 / h ", 5, 3600)]
    [InlineData("100000/day", 100000, 86400)]
    [InlineData("1000000/month", 1000000, 2592000)]
    public void Rates_AreParsed(string text, long count, int seconds)
    {
        Assert.True(RateSpec.TryParse(text, out var error, out var rate), error);
        Assert.Equal(count, rate.Count);
        Assert.Equal(TimeSpan.FromSeconds(seconds), rate.Per);
    }

    [Theory]
    [InlineData("", "expected COUNT/UNIT")]
    [InlineData("100", "expected COUNT/UNIT")]
    [InlineData("0/s", "expected COUNT/UNIT")]
    [InlineData("-5/s", "expected COUNT/UNIT")]
    [InlineData("10/week", "unknown unit")]
    public void BadRates_AreRefused(string text, string reason)
    {
        Assert.False(RateSpec.TryParse(text, out var error, out _));
        Assert.Contains(reason, error);
    }
}
