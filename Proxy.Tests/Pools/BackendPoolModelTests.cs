using Proxy.Shared.Configuration;
using Proxy.Shared.Pools;
using Xunit;

namespace Proxy.Tests.Pools;

/// <summary>The decision rules of the BackendPool entity: health thresholds, breaker, outlier ejection, admin.</summary>
public sealed class BackendPoolModelTests
{
    private const string A = "10.0.0.1:80";
    private const string B = "10.0.0.2:80";
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static BackendPoolModel Model(Func<PoolSettings, PoolSettings>? configure = null)
    {
        var settings = new PoolSettings
        {
            Name = "p",
            Backends =
            [
                new BackendSettings { Address = A, Host = "10.0.0.1", Port = 80 },
                new BackendSettings { Address = B, Host = "10.0.0.2", Port = 80 },
            ],
        };
        return new BackendPoolModel(configure?.Invoke(settings) ?? settings);
    }

    private static BackendState State(BackendPoolModel m, string address, DateTime? now = null) =>
        m.ToState("i", 1, now ?? T0).Backends.Single(b => b.Address == address);

    /// <summary><paramref name="leading"/>: successes before the first failure (default: failures came first).</summary>
    private static BackendOutcome Outcome(string address, int ok, int failed, int trailing = -1, int inFlight = 0, int leading = -1) =>
        new(address, ok, failed, trailing < 0 ? failed : trailing, (ok + failed) * 2.0, inFlight,
            leading >= 0 ? leading : failed == 0 ? ok : 0);

    /// <summary>A pool whose breaker opened on one failure and is half-open now (T0 + 1 s), needing 3 trials.</summary>
    private static BackendPoolModel HalfOpenModel()
    {
        var m = Model(s => s with { Breaker = new BreakerSettings { Failures = 2, OpenFor = TimeSpan.FromSeconds(1), HalfOpenTrials = 3 } });
        m.ApplyOutcomes("n", [Outcome(A, 0, 2)], T0);
        m.Tick(T0.AddSeconds(1));
        Assert.Equal(BreakerState.HalfOpen, State(m, A).Breaker);
        return m;
    }

    /// <summary>Issue 21, point 5: the soak's batch — trials 200, 200, 200, 200, then a 500 within the same report.</summary>
    [Fact]
    public void TrialSuccessesBeforeAFailureInTheSameBatch_CloseTheBreaker()
    {
        var m = HalfOpenModel();
        Assert.True(m.ApplyOutcomes("n", [Outcome(A, 4, 1, trailing: 1, leading: 4)], T0.AddSeconds(1.2)));
        Assert.Equal(BreakerState.Closed, State(m, A).Breaker);
        // The failure after the trials counts as against a closed breaker: one more opens it (Failures = 2).
        Assert.True(m.ApplyOutcomes("n", [Outcome(A, 0, 1)], T0.AddSeconds(1.3)));
        Assert.Equal(BreakerState.Open, State(m, A).Breaker);
    }

    [Fact]
    public void AFailureBeforeEnoughTrialSuccesses_OpensItAgain_WhateverFollows()
    {
        var m = HalfOpenModel();
        Assert.True(m.ApplyOutcomes("n", [Outcome(A, 4, 1, trailing: 0, leading: 2)], T0.AddSeconds(1.2)));
        Assert.Equal(BreakerState.Open, State(m, A).Breaker);
    }

    [Fact]
    public void TrialSuccessesAddUpAcrossNodesAndBatches_BeforeAFailure()
    {
        var m = HalfOpenModel();
        Assert.False(m.ApplyOutcomes("n1", [Outcome(A, 1, 0)], T0.AddSeconds(1.1)));
        // n2 saw success, success, failure, success, failure: 1 + 2 trials close it; one failure trails.
        Assert.True(m.ApplyOutcomes("n2", [Outcome(A, 3, 2, trailing: 1, leading: 2)], T0.AddSeconds(1.2)));
        Assert.Equal(BreakerState.Closed, State(m, A).Breaker);
    }

    [Fact]
    public void ClosingWithAsManyFailuresAfterTheTrialsAsTheThreshold_OpensAgainAtOnce()
    {
        var m = HalfOpenModel();
        Assert.True(m.ApplyOutcomes("n", [Outcome(A, 3, 2, trailing: 2, leading: 3)], T0.AddSeconds(1.2)));
        Assert.Equal(BreakerState.Open, State(m, A).Breaker);
    }

    [Fact]
    public void HealthFlipsOnlyAfterConsecutiveThresholds()
    {
        var m = Model(s => s with { Health = new HealthCheckSettings { Healthy = 2, Unhealthy = 3 } });
        Assert.False(m.ApplyProbe(A, false));
        Assert.False(m.ApplyProbe(A, false));
        Assert.False(m.ApplyProbe(A, true)); // a pass resets the failure run
        Assert.False(m.ApplyProbe(A, false));
        Assert.False(m.ApplyProbe(A, false));
        Assert.True(m.ApplyProbe(A, false));
        Assert.False(State(m, A).Healthy);
        Assert.False(State(m, A).Usable);
        Assert.False(m.ApplyProbe(A, true));
        Assert.True(m.ApplyProbe(A, true));
        Assert.True(State(m, A).Healthy);
    }

    [Fact]
    public void ProbesAreIgnoredWithoutHealthChecks() =>
        Assert.False(Model().ApplyProbe(A, false));

    [Fact]
    public void BreakerCountsConsecutiveFailuresAcrossNodes_OpensThenHalfOpensThenCloses()
    {
        var m = Model(s => s with { Breaker = new BreakerSettings { Failures = 5, OpenFor = TimeSpan.FromSeconds(10), HalfOpenTrials = 2 } });
        Assert.False(m.ApplyOutcomes("n1", [Outcome(A, 0, 3)], T0));
        Assert.True(m.ApplyOutcomes("n2", [Outcome(A, 0, 2)], T0)); // 3 + 2 from two nodes
        Assert.Equal(BreakerState.Open, State(m, A).Breaker);
        Assert.False(State(m, A).Usable);

        Assert.False(m.Tick(T0.AddSeconds(9)));
        Assert.True(m.Tick(T0.AddSeconds(10)));
        Assert.Equal(BreakerState.HalfOpen, State(m, A).Breaker);
        Assert.True(State(m, A).Usable);

        Assert.False(m.ApplyOutcomes("n1", [Outcome(A, 1, 0)], T0.AddSeconds(11)));
        Assert.True(m.ApplyOutcomes("n3", [Outcome(A, 1, 0)], T0.AddSeconds(11)));
        Assert.Equal(BreakerState.Closed, State(m, A).Breaker);
    }

    [Fact]
    public void AFailedTrialOpensTheBreakerAgain()
    {
        var m = Model(s => s with { Breaker = new BreakerSettings { Failures = 1, OpenFor = TimeSpan.FromSeconds(1) } });
        m.ApplyOutcomes("n", [Outcome(A, 0, 1)], T0);
        m.Tick(T0.AddSeconds(1));
        Assert.True(m.ApplyOutcomes("n", [Outcome(A, 0, 1)], T0.AddSeconds(1.5)));
        Assert.Equal(BreakerState.Open, State(m, A).Breaker);
        Assert.False(m.Tick(T0.AddSeconds(2)));
        Assert.True(m.Tick(T0.AddSeconds(2.5)));
    }

    [Fact]
    public void ASuccessInABatchLeavesOnlyItsTrailingFailures()
    {
        var m = Model(s => s with { Breaker = new BreakerSettings { Failures = 3 } });
        m.ApplyOutcomes("n", [Outcome(A, 0, 2)], T0);
        Assert.False(m.ApplyOutcomes("n", [Outcome(A, 1, 2, trailing: 0)], T0)); // failures, then a success
        Assert.False(m.ApplyOutcomes("n", [Outcome(A, 0, 2)], T0));
        Assert.Equal(BreakerState.Closed, State(m, A).Breaker);
        Assert.True(m.ApplyOutcomes("n", [Outcome(A, 0, 1)], T0));
    }

    [Fact]
    public void DisabledBreakerNeverOpens()
    {
        var m = Model(s => s with { Breaker = new BreakerSettings { Enabled = false, Failures = 1 } });
        Assert.False(m.ApplyOutcomes("n", [Outcome(A, 0, 50)], T0));
        Assert.True(State(m, A).Usable);
    }

    [Fact]
    public void OutlierEjectionGrowsWithRepeats_IsCapped_AndLeavesHalfThePool()
    {
        var m = Model(s => s with
        {
            Breaker = new BreakerSettings { Enabled = false },
            Outlier = new OutlierSettings
            {
                Enabled = true, ConsecutiveFailures = 2, BaseEjection = TimeSpan.FromSeconds(10), MaxEjection = TimeSpan.FromSeconds(15),
                MaxEjectedPercent = 0.5,
            },
        });
        Assert.True(m.ApplyOutcomes("n", [Outcome(A, 0, 2)], T0));
        Assert.True(State(m, A).Ejected);
        // At most half of two backends: B stays in even though it fails too.
        Assert.False(m.ApplyOutcomes("n", [Outcome(B, 0, 5)], T0));
        Assert.False(State(m, B).Ejected);

        Assert.True(m.Tick(T0.AddSeconds(10)));
        Assert.False(State(m, A).Ejected);
        // Second ejection right away: 2 × base, capped at max-ejection (15 s).
        m.ApplyOutcomes("n", [Outcome(B, 1, 0, 0)], T0.AddSeconds(10));
        Assert.True(m.ApplyOutcomes("n", [Outcome(A, 0, 2)], T0.AddSeconds(10)));
        Assert.False(m.Tick(T0.AddSeconds(24)));
        Assert.True(m.Tick(T0.AddSeconds(25)));
    }

    [Fact]
    public void AdminEventsDrainUndrainAndWeigh_OnlyKnownBackends()
    {
        var m = Model();
        Assert.True(m.Apply(new BackendDrained(A)));
        Assert.False(m.Apply(new BackendDrained(A)));
        Assert.False(State(m, A).Usable);
        Assert.True(m.Apply(new BackendUndrained(A)));
        Assert.True(m.Apply(new BackendWeightChanged(B, 5)));
        Assert.Equal(5, State(m, B).Weight);
        Assert.False(m.Apply(new BackendDrained("10.9.9.9:1")));
        Assert.Equal(A, m.Find("10.0.0.1:80"));
        Assert.Null(m.Find("nope:1"));
    }

    [Fact]
    public void StatsSumTheLast10SecondsOfEveryNode_AndForgetLeftNodesInFlight()
    {
        var m = Model();
        m.ApplyOutcomes("n1", [new BackendOutcome(A, 3, 1, 0, 40, 2)], T0);
        m.ApplyOutcomes("n2", [new BackendOutcome(A, 4, 0, 0, 40, 3)], T0.AddSeconds(1));
        var s = State(m, A, T0.AddSeconds(2));
        Assert.Equal(5, s.InFlight);
        Assert.Equal(0.125, s.ErrorRate, 6);
        Assert.Equal(10, s.LatencyMs, 6);
        Assert.Equal(0, State(m, A, T0.AddSeconds(12)).ErrorRate);
        m.ForgetNode("n1");
        Assert.Equal(3, State(m, A, T0.AddSeconds(2)).InFlight);
    }
}
