using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;

namespace Proxy.Actors.Pools;

/// <summary>
/// A pool as the hot path reads it: immutable except for the lock-free counters inside its backends.
/// Published by the pool's <see cref="PoolAgent"/>.
/// </summary>
public sealed class PoolRuntime : IDisposable
{
    public PoolRuntime(PoolSettings settings)
    {
        Settings = settings;
        Name = settings.Name;
        Backends = new Backend[settings.Backends.Count];
        for (var i = 0; i < Backends.Length; i++)
            Backends[i] = new Backend(settings.Backends[i], settings.Connections);
        Policy = LoadBalancingPolicies.Create(settings.Policy);
        Budget = new RetryBudget(settings.Retries.Budget);
        var statuses = new bool[600];
        foreach (var s in settings.Retries.Statuses)
            if (s is >= 100 and < 600) statuses[s] = true;
        RetryStatuses = statuses;
    }

    public string Name { get; }
    public PoolSettings Settings { get; }
    public Backend[] Backends { get; }
    public ILoadBalancingPolicy Policy { get; }
    public RetryBudget Budget { get; }
    /// <summary>Indexed by status code: whether an idempotent request is retried on it.</summary>
    public bool[] RetryStatuses { get; }

    public void Dispose()
    {
        foreach (var b in Backends) b.Connections.Dispose();
    }
}
