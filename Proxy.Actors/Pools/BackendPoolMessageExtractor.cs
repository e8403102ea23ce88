using Akka.Cluster.Sharding;
using Proxy.Shared.Pools;

namespace Proxy.Actors.Pools;

/// <summary>Routes <see cref="IBackendPoolCommand"/>s to the entity of their pool.</summary>
public sealed class BackendPoolMessageExtractor(int maxShards) : HashCodeMessageExtractor(maxShards)
{
    public const string RegionName = "backend-pool";

    public override string? EntityId(object message) => (message as IBackendPoolCommand)?.Pool;
}
