using Akka.Actor;
using Akka.TestKit.Xunit2;
using CsCheck;
using Proxy.Actors.Limits;
using Proxy.Shared.RateLimiting;
using Xunit;

namespace Proxy.Tests.RateLimiting;

/// <summary>Lease sizing of the RateLimiter entity: shares per active node, tokens handed back, never more than the bucket.</summary>
public sealed class RateLimiterEntityTests : TestKit
{
    private static RateLimitSettings Limit(long perMinute, long burst) => new()
    {
        Name = "l", Rate = new RateSpec(perMinute, TimeSpan.FromMinutes(1)), Burst = burst,
    };

    private LeaseGrant Ask(IActorRef entity, string node, long wanted, long unused = 0)
    {
        entity.Tell(new AcquireLease("l/k", node, wanted, unused), TestActor);
        return ExpectMsg<LeaseGrant>();
    }

    [Fact]
    public void OneNode_MayTakeTheWholeBurst_TwoActiveNodes_AtMostHalfEach()
    {
        var entity = Sys.ActorOf(RateLimiterEntity.Props("l/k", Limit(1, 100)));
        Assert.Equal(100, Ask(entity, "a", 500).Granted);

        var shared = Sys.ActorOf(RateLimiterEntity.Props("l/k", Limit(1, 100)));
        Assert.Equal(10, Ask(shared, "a", 10).Granted);
        var b = Ask(shared, "b", 500);
        Assert.Equal(50, b.Granted); // two nodes asked within the active window
        var a = Ask(shared, "a", 500);
        Assert.Equal(40, a.Granted); // what is left
        var empty = Ask(shared, "c", 1);
        Assert.Equal(0, empty.Granted);
        Assert.True(empty.RetryAfterMs > 0);
    }

    [Fact]
    public void UnusedTokens_HandedBack_CanBeLeasedAgain()
    {
        var entity = Sys.ActorOf(RateLimiterEntity.Props("l/k", Limit(1, 20)));
        Assert.Equal(20, Ask(entity, "a", 20).Granted);
        Assert.Equal(0, Ask(entity, "a", 5).Granted);
        Assert.Equal(7, Ask(entity, "a", 7, unused: 7).Granted);
    }

    [Fact]
    public void Property_WhateverNodesAskFor_TheEntityNeverGrantsMoreThanTheBucketHolds()
    {
        Gen.Select(Gen.Int[1, 200], Gen.Select(Gen.Int[0, 4], Gen.Int[1, 300]).Array[1, 40])
            .Sample((burst, asks) =>
            {
                var entity = Sys.ActorOf(RateLimiterEntity.Props("l/k", Limit(1, burst)));
                long total = 0;
                foreach (var (node, wanted) in asks) total += Ask(entity, "n" + node, wanted).Granted;
                Sys.Stop(entity);
                // A rate of 1/min refills at most one token during the test.
                return total <= burst + 1;
            }, iter: 30, threads: 1); // one TestActor: asks must not interleave
    }
}
