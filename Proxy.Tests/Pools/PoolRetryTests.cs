using Proxy.Actors.Pools;
using Proxy.Shared.Configuration;
using Xunit;

namespace Proxy.Tests.Pools;

/// <summary>Issue 12: one retry rule for HTTP exchanges and L4 routes (<see cref="PoolRuntime.TryRetry"/>): attempts,
/// the retry budget and the jittered exponential backoff.</summary>
public sealed class PoolRetryTests
{
    private static PoolRuntime Pool(int attempts, double budget) => new(new PoolSettings
    {
        Name = "api",
        Backends = [new BackendSettings { Address = "127.0.0.1:9", Host = "127.0.0.1", Port = 9 }],
        Retries = new RetrySettings { Attempts = attempts, Budget = budget, BackoffBase = TimeSpan.FromMilliseconds(100) },
    });

    [Fact]
    public void RetriesStopAtTheAttempts_AndBackOffExponentially_WithJitter()
    {
        using var pool = Pool(attempts: 3, budget: 1.0);
        for (var i = 0; i < 10; i++) pool.Budget.RecordRequest();
        Assert.True(pool.TryRetry(0, out var first));
        Assert.InRange(first.TotalMilliseconds, 50, 100);
        Assert.True(pool.TryRetry(1, out var second));
        Assert.InRange(second.TotalMilliseconds, 100, 200);
        Assert.True(pool.TryRetry(2, out var third));
        Assert.InRange(third.TotalMilliseconds, 200, 400);
        Assert.False(pool.TryRetry(3, out _));
    }

    [Fact]
    public void TheBudget_CapsRetriesAcrossRequests()
    {
        using var pool = Pool(attempts: 5, budget: 0.1);
        for (var i = 0; i < 40; i++) pool.Budget.RecordRequest();
        // 10 % of 40 is 4; at least 3 are always allowed.
        var granted = Enumerable.Range(0, 10).Count(_ => pool.TryRetry(0, out TimeSpan _));
        Assert.Equal(4, granted);
    }
}
