using Proxy.Shared.LoadBalancing;
using Xunit;

namespace Proxy.Tests.LoadBalancing;

public class LoadBalancedBackendTests
{
    [Fact]
    public void NewBackend_IsAvailableWithNoRequestsInFlight()
    {
        var backend = new LoadBalancedBackend("127.0.0.1:80", 3);

        Assert.Equal("127.0.0.1:80", backend.Address);
        Assert.Equal(3, backend.Weight);
        Assert.True(backend.Available);
        Assert.Equal(0, backend.InFlight);
    }

    [Fact]
    public void NegativeWeight_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoadBalancedBackend("h:1", -1));
        var backend = new LoadBalancedBackend("h:1");
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Weight = -5);
    }

    [Fact]
    public void BeginAndEndRequest_FromManyThreads_KeepAnExactCount()
    {
        var backend = new LoadBalancedBackend("h:1");

        Parallel.For(0, 100_000, _ => backend.BeginRequest());
        Assert.Equal(100_000, backend.InFlight);
        Parallel.For(0, 100_000, _ => backend.EndRequest());
        Assert.Equal(0, backend.InFlight);
    }

    [Fact]
    public void Backend_CanBeDerivedToCarryPerNodeState()
    {
        var backend = new PooledBackend("h:1");

        Assert.Equal(0, LoadBalancingPolicies.Create(Shared.Configuration.LoadBalancingPolicyKind.RoundRobin)
            .Pick([backend], default));
        Assert.Equal("pool for h:1", backend.Pool);
    }

    private sealed class PooledBackend(string address) : LoadBalancedBackend(address)
    {
        public string Pool { get; } = "pool for " + address;
    }
}
