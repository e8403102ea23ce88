using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;
using Xunit;

namespace Proxy.Tests.LoadBalancing;

/// <summary>Rules every policy keeps: availability, Avoid on retries, empty pools, concurrency.</summary>
public class LoadBalancingPolicyTests
{
    public static TheoryData<LoadBalancingPolicyKind> AllKinds => new(Enum.GetValues<LoadBalancingPolicyKind>());

    // Consistent hashing only hashes when a key is given; varying keys exercise the ring, not its fallback.
    private static LoadBalancingContext Context(int i, LoadBalancedBackend? avoid = null) =>
        new($"client-{i}", avoid);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Create_ReturnsAPolicyForEveryKind(LoadBalancingPolicyKind kind)
    {
        Assert.NotNull(LoadBalancingPolicies.Create(kind));
    }

    [Fact]
    public void Create_UnknownKind_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LoadBalancingPolicies.Create((LoadBalancingPolicyKind)99));
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void EmptyPool_ReturnsMinusOne(LoadBalancingPolicyKind kind)
    {
        var policy = LoadBalancingPolicies.Create(kind);

        Assert.Equal(-1, policy.Pick([], Context(1)));
        Assert.Equal(-1, policy.Pick([], default));
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void AllUnavailable_ReturnsMinusOne(LoadBalancingPolicyKind kind)
    {
        var policy = LoadBalancingPolicies.Create(kind);
        var backends = TestBackends.Create(3);
        foreach (var backend in backends) backend.Available = false;

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(-1, policy.Pick(backends, Context(i)));
            Assert.Equal(-1, policy.Pick(backends, Context(i, backends[0])));
        }
        Assert.Equal(-1, policy.Pick(backends, default));
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void UnavailableBackends_AreNeverPicked(LoadBalancingPolicyKind kind)
    {
        var policy = LoadBalancingPolicies.Create(kind);
        var backends = TestBackends.Create(5);
        backends[1].Available = false;
        backends[3].Available = false;
        var picked = new int[backends.Length];

        for (var i = 0; i < 2_000; i++) picked[policy.Pick(backends, Context(i))]++;

        Assert.Equal(0, picked[1]);
        Assert.Equal(0, picked[3]);
        Assert.True(picked[0] > 0 && picked[2] > 0 && picked[4] > 0, string.Join(",", picked));
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void BackendBecomingUnavailable_IsNotPickedAfterwards(LoadBalancingPolicyKind kind)
    {
        var policy = LoadBalancingPolicies.Create(kind);
        var backends = TestBackends.Create(3);
        for (var i = 0; i < 100; i++) policy.Pick(backends, Context(i));

        backends[0].Available = false;

        for (var i = 0; i < 1_000; i++) Assert.NotEqual(0, policy.Pick(backends, Context(i)));
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Avoid_IsNotPickedWhileAnotherBackendIsAvailable(LoadBalancingPolicyKind kind)
    {
        var policy = LoadBalancingPolicies.Create(kind);
        var backends = TestBackends.Create(3);
        backends[2].Available = false;

        for (var i = 0; i < 1_000; i++) Assert.Equal(1, policy.Pick(backends, Context(i, backends[0])));
        for (var i = 0; i < 1_000; i++) Assert.Equal(0, policy.Pick(backends, Context(i, backends[1])));
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Avoid_IsPickedWhenItIsTheOnlyAvailableBackend(LoadBalancingPolicyKind kind)
    {
        var policy = LoadBalancingPolicies.Create(kind);
        var backends = TestBackends.Create(3);
        backends[0].Available = false;
        backends[2].Available = false;

        for (var i = 0; i < 100; i++) Assert.Equal(1, policy.Pick(backends, Context(i, backends[1])));
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Avoid_NotInThePool_IsIgnored(LoadBalancingPolicyKind kind)
    {
        var policy = LoadBalancingPolicies.Create(kind);
        var backends = TestBackends.Create(2);
        var stranger = new LoadBalancedBackend("192.0.2.1:80");

        for (var i = 0; i < 100; i++) Assert.InRange(policy.Pick(backends, Context(i, stranger)), 0, 1);
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void ConcurrentPicks_AlwaysReturnAnAvailableBackend_AndCountsAddUp(LoadBalancingPolicyKind kind)
    {
        var policy = LoadBalancingPolicies.Create(kind);
        var backends = TestBackends.WithWeights(3, 2, 1, 1);
        backends[3].Available = false;
        var counts = new int[backends.Length];
        var invalid = 0;
        const int picks = 200_000;

        Parallel.For(0, picks, i =>
        {
            var index = policy.Pick(backends, Context(i));
            if (index is < 0 or 3) { Interlocked.Increment(ref invalid); return; }
            backends[index].BeginRequest();
            Interlocked.Increment(ref counts[index]);
            backends[index].EndRequest();
        });

        Assert.Equal(0, invalid);
        Assert.Equal(picks, counts.Sum());
        Assert.True(counts[0] > 0 && counts[1] > 0 && counts[2] > 0, string.Join(",", counts));
        foreach (var backend in backends) Assert.Equal(0, backend.InFlight);
    }
}
