namespace Proxy.Shared.Pools;

/// <summary>Node-local messages a PoolAgent understands (the entity feed is <see cref="PoolState"/>).</summary>
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

/// <summary>Asks a node's PoolAgent for the last <see cref="PoolState"/> it applied.</summary>
public sealed record GetLocalPoolState : IPoolAgentCommand
{
    public static readonly GetLocalPoolState Instance = new();
}

/// <summary>The PoolState a node currently decides with (null before the first one arrived).</summary>
public sealed record LocalPoolState(string Pool, PoolState? State);
