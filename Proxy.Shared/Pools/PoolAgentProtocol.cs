namespace Proxy.Shared.Pools;

/// <summary>Messages a node's PoolAgent understands (node-local for now; the cluster issue adds the entity feed).</summary>
public interface IPoolAgentCommand;

/// <summary>Periodic upkeep: evict idle upstream connections and decay the retry budget.</summary>
public sealed record PoolUpkeep : IPoolAgentCommand
{
    public static readonly PoolUpkeep Instance = new();
}

/// <summary>Asks for <see cref="PoolStatus"/>.</summary>
public sealed record GetPoolStatus : IPoolAgentCommand
{
    public static readonly GetPoolStatus Instance = new();
}

/// <summary>A pool as this node sees it.</summary>
public sealed record PoolStatus(string Pool, string Policy, IReadOnlyList<BackendStatus> Backends);

public sealed record BackendStatus(string Address, bool Available, int Weight, int InFlight, int OpenConnections,
    int IdleConnections);
