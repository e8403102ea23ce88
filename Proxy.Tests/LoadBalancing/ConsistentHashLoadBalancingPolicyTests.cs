using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;
using Xunit;

namespace Proxy.Tests.LoadBalancing;

public class ConsistentHashLoadBalancingPolicyTests
{
    private const int KeyCount = 10_000;

    private static ILoadBalancingPolicy Policy() => LoadBalancingPolicies.Create(LoadBalancingPolicyKind.ConsistentHash);

    private static string Key(int i) => $"203.0.113.{i % 250}/session-{i}";

    private static string[] Map(ILoadBalancingPolicy policy, LoadBalancedBackend[] backends)
    {
        var owners = new string[KeyCount];
        for (var i = 0; i < KeyCount; i++) owners[i] = backends[policy.Pick(backends, new LoadBalancingContext(Key(i)))].Address;
        return owners;
    }

    [Fact]
    public void SameKey_AlwaysReachesTheSameBackend()
    {
        var policy = Policy();
        var backends = TestBackends.Create(5);
        var first = policy.Pick(backends, new LoadBalancingContext("user-42"));

        for (var i = 0; i < 1_000; i++) Assert.Equal(first, policy.Pick(backends, new LoadBalancingContext("user-42")));
    }

    [Fact]
    public void SameKey_ReachesTheSameAddress_InAnotherPolicyInstanceAndArrayOrder()
    {
        // Stands in for another node: a fresh policy and its own array, listed in a different order.
        var backends = TestBackends.Create(5);
        var reordered = backends.Reverse().Select(b => new LoadBalancedBackend(b.Address, b.Weight)).ToArray();

        Assert.Equal(Map(Policy(), backends), Map(Policy(), reordered));
    }

    [Fact]
    public void Keys_SpreadRoughlyEvenly()
    {
        var owners = Map(Policy(), TestBackends.Create(5));

        foreach (var group in owners.GroupBy(o => o))
            Assert.InRange(group.Count(), 1_400, 2_600);
        Assert.Equal(5, owners.Distinct().Count());
    }

    [Fact]
    public void Keys_SpreadInProportionToWeight()
    {
        var backends = TestBackends.WithWeights(1, 3);
        var owners = Map(Policy(), backends);

        var heavyShare = owners.Count(o => o == backends[1].Address) / (double)KeyCount;
        Assert.InRange(heavyShare, 0.65, 0.85);
    }

    [Fact]
    public void BackendBecomingUnavailable_MovesOnlyItsOwnKeys_AndReturningRestoresThem()
    {
        var policy = Policy();
        var backends = TestBackends.Create(5);
        var before = Map(policy, backends);
        var leaving = backends[2].Address;

        backends[2].Available = false;
        var during = Map(policy, backends);

        var movedOthers = 0;
        var movedOwn = 0;
        for (var i = 0; i < KeyCount; i++)
        {
            if (before[i] == leaving) { if (during[i] != leaving) movedOwn++; }
            else if (during[i] != before[i]) movedOthers++;
        }
        Assert.Equal(0, movedOthers);
        Assert.Equal(before.Count(o => o == leaving), movedOwn);
        // The leaving backend's keys scatter over the rest instead of all landing on one neighbour.
        Assert.Equal(4, during.Where((o, i) => before[i] == leaving).Distinct().Count());

        backends[2].Available = true;
        Assert.Equal(before, Map(policy, backends));
    }

    [Fact]
    public void BackendRemovedFromThePool_MovesOnlyItsOwnKeys()
    {
        var policy = Policy();
        var backends = TestBackends.Create(5);
        var before = Map(policy, backends);
        var removed = backends[4].Address;

        var after = Map(policy, backends[..4]);

        for (var i = 0; i < KeyCount; i++)
            if (before[i] != removed)
                Assert.Equal(before[i], after[i]);
    }

    [Fact]
    public void Retry_AvoidingTheKeysBackend_GoesElsewhere_AndIsStableForThatKey()
    {
        var policy = Policy();
        var backends = TestBackends.Create(5);
        var home = policy.Pick(backends, new LoadBalancingContext("user-7"));

        var retry = policy.Pick(backends, new LoadBalancingContext("user-7", backends[home]));

        Assert.NotEqual(home, retry);
        Assert.Equal(retry, policy.Pick(backends, new LoadBalancingContext("user-7", backends[home])));
        // The retry lands where the key would live if its backend left the ring.
        backends[home].Available = false;
        Assert.Equal(retry, policy.Pick(backends, new LoadBalancingContext("user-7")));
    }

    [Fact]
    public void WithoutHashKey_FallsBackToRoundRobin()
    {
        Assert.Equal([200, 200, 200], TestBackends.CountPicks(Policy(), TestBackends.Create(3), 600));
    }
}
