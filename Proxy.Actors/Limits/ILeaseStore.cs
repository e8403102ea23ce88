using Proxy.Shared.RateLimiting;

namespace Proxy.Actors.Limits;

/// <summary>Where a limit's buckets live: the cluster's RateLimiter entities, or Redis (L3). Same lease protocol.</summary>
public interface ILeaseStore
{
    /// <summary>Takes up to <see cref="AcquireLease.Wanted"/> tokens; throws when the store cannot answer (then the
    /// limit's on-store-failure applies).</summary>
    Task<LeaseGrant> AcquireAsync(RateLimitSettings limit, AcquireLease request);
}
