using Akka.Actor;
using Proxy.Shared.Configuration;
using Proxy.Shared.Pools;

namespace Proxy.Actors.Admin;

/// <summary>
/// The pool palette of the admin API (<c>pools</c>, <c>pool ID</c>, <c>drain</c>, <c>undrain</c>, <c>weight</c>):
/// answers come from the pool's cluster entity, so any node answers for the whole cluster. Results are
/// status code + a JSON-ready object; pool and backend names are checked against the config first, so a
/// typo is a 404 at once rather than an entity that never answers.
/// </summary>
public sealed class PoolAdminQueries(ProxySettings settings, IActorRef region, TimeSpan timeout)
{
    public sealed record Result(int Status, object Body);

    public sealed record PoolSummary(string Pool, string Policy, long Version, int Backends, int Available);

    public sealed record PoolList(IReadOnlyList<PoolSummary> Pools);

    public sealed record BackendView(string Address, bool Healthy, string Breaker, bool Drained, int Weight, int InFlight,
        double ErrorRate, double LatencyMs, bool Ejected);

    public sealed record PoolView(string Pool, string Policy, long Version, IReadOnlyList<BackendView> Backends);

    public sealed record ChangeView(bool Ok, string Pool, string Backend, string Message);

    public sealed record Error(string error);

    public async Task<Result> ListAsync()
    {
        var states = await Task.WhenAll(settings.Pools.Keys.Order(StringComparer.Ordinal).Select(StateOrNullAsync));
        var pools = states.Select(s => s.State is { } state
            ? new PoolSummary(s.Pool, PolicyName(s.Pool), state.Version, state.Backends.Count, state.Backends.Count(b => b.Usable))
            : new PoolSummary(s.Pool, PolicyName(s.Pool), 0, settings.Pools[s.Pool].Backends.Count, 0)).ToList();
        return new Result(200, new PoolList(pools));
    }

    public async Task<Result> GetAsync(string pool)
    {
        if (!settings.Pools.ContainsKey(pool)) return NoPool(pool);
        var (_, state) = await StateOrNullAsync(pool);
        if (state is null) return new Result(504, new Error($"pool '{pool}' did not answer within {timeout.TotalSeconds:0} s"));
        return new Result(200, new PoolView(pool, PolicyName(pool), state.Version, state.Backends.Select(b => new BackendView(
            b.Address, b.Healthy, BreakerName(b.Breaker), b.Drained, b.Weight, b.InFlight, b.ErrorRate, b.LatencyMs, b.Ejected)).ToList()));
    }

    public Task<Result> DrainAsync(string pool, string? backend) => ChangeAsync(pool, backend, a => new DrainBackend(pool, a));

    public Task<Result> UndrainAsync(string pool, string? backend) => ChangeAsync(pool, backend, a => new UndrainBackend(pool, a));

    public Task<Result> WeightAsync(string pool, string? backend, string? value)
    {
        if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var weight) ||
            weight > 1000)
            return Task.FromResult(new Result(400, new Error($"value must be a whole number from 0 to 1000, got '{value}'")));
        return ChangeAsync(pool, backend, a => new SetBackendWeight(pool, a, weight));
    }

    private async Task<Result> ChangeAsync(string pool, string? backend, Func<string, IBackendPoolCommand> command)
    {
        if (!settings.Pools.TryGetValue(pool, out var poolSettings)) return NoPool(pool);
        if (string.IsNullOrEmpty(backend)) return new Result(400, new Error("missing query parameter 'backend' (host:port)"));
        var known = poolSettings.Backends.FirstOrDefault(b => string.Equals(b.Address, backend, StringComparison.OrdinalIgnoreCase));
        if (known is null) return new Result(404, new Error($"pool '{pool}' has no backend '{backend}'"));
        try
        {
            var result = await region.Ask<AdminChangeResult>(command(known.Address), timeout).ConfigureAwait(false);
            return new Result(result.Ok ? 200 : 409, new ChangeView(result.Ok, pool, result.Address, result.Message));
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return new Result(504, new Error($"pool '{pool}' did not confirm within {timeout.TotalSeconds:0} s; the change may still apply"));
        }
    }

    private async Task<(string Pool, PoolState? State)> StateOrNullAsync(string pool)
    {
        try
        {
            return (pool, await region.Ask<PoolState>(new GetPoolState(pool), timeout).ConfigureAwait(false));
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return (pool, null);
        }
    }

    private Result NoPool(string pool) => new(404, new Error($"no pool named '{pool}'"));

    private string PolicyName(string pool) => settings.Pools[pool].Policy switch
    {
        LoadBalancingPolicyKind.RoundRobin => "round-robin",
        LoadBalancingPolicyKind.WeightedRoundRobin => "weighted-round-robin",
        LoadBalancingPolicyKind.LeastRequests => "least-requests",
        LoadBalancingPolicyKind.PowerOfTwo => "power-of-two",
        LoadBalancingPolicyKind.ConsistentHash => "consistent-hash",
        _ => "random",
    };

    private static string BreakerName(BreakerState state) => state switch
    {
        BreakerState.Open => "open",
        BreakerState.HalfOpen => "half-open",
        _ => "closed",
    };
}
