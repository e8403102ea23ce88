using Akka.Actor;
using Proxy.Shared.RateLimiting;

namespace Proxy.Actors.Limits;

/// <summary>L2: buckets in the cluster's RateLimiter entities (asked through the node's shard region).</summary>
public sealed class ClusterLeaseStore(IActorRef region, TimeSpan timeout) : ILeaseStore
{
    public Task<LeaseGrant> AcquireAsync(RateLimitSettings limit, AcquireLease request) => region.Ask<LeaseGrant>(request, timeout);
}
