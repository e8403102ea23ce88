using Akka.Actor;
using Proxy.Actors.Connections;
using Proxy.Actors.Pools;
using Proxy.Shared.Admin;
using Proxy.Shared.Configuration;
using Proxy.Shared.Pools;

namespace Proxy.Actors.Admin;

/// <summary>
/// The pool palette of the admin API (<c>pools</c>, <c>pool ID</c>, <c>drain</c>, <c>undrain</c>, <c>weight</c>):
/// answers come from the pool's cluster entity, so any node answers for the whole cluster. While the entity does
/// not answer (it is moving after its node left or failed), reads answer with this node's last received state,
/// marked "entity moving, last known state". Results are a status code and a view from Proxy.Shared.Admin; pool and
/// backend names are checked against the config first, so a typo is a 404 at once rather than an entity that never answers.
/// </summary>
public sealed class PoolAdminQueries(Func<RuntimeSnapshot> current, IActorRef region, TimeSpan timeout)
{
    /// <summary>The pools of the node's current config revision.</summary>
    private ProxySettings Settings => current().Settings;

    /// <summary>How long a read waits for the entity when this node has a state to fall back on.</summary>
    private static readonly TimeSpan ReadTimeoutWithFallback = TimeSpan.FromSeconds(2);

    public async Task<AdminResult> ListAsync()
    {
        var states = await Task.WhenAll(Settings.Pools.Keys.Order(StringComparer.Ordinal).Select(StateOrNullAsync));
        var list = states.Select(s => s.State is { } state
            ? new PoolSummary(s.Pool, PolicyName(s.Pool), state.Version, state.Backends.Count, state.PickableCount, true)
            : LastKnown(s.Pool) is { } last
                ? new PoolSummary(s.Pool, PolicyName(s.Pool), last.State.Version, last.State.Backends.Count,
                    last.State.PickableCount, false, StaleNote(last))
                : new PoolSummary(s.Pool, PolicyName(s.Pool), 0, Settings.Pools[s.Pool].Backends.Count, 0, false)).ToList();
        return new AdminResult(200, new PoolList(list));
    }

    public async Task<AdminResult> GetAsync(string pool)
    {
        if (!Settings.Pools.ContainsKey(pool)) return NoPool(pool);
        var (_, state) = await StateOrNullAsync(pool);
        string? stale = null;
        if (state is null && LastKnown(pool) is { } last)
        {
            state = last.State;
            stale = StaleNote(last);
        }
        if (state is null) return new AdminResult(504, new ErrorView($"pool '{pool}' did not answer within {timeout.TotalSeconds:0} s"));
        var checks = Settings.Pools[pool].Health is not null;
        return new AdminResult(200, new PoolView(pool, PolicyName(pool), state.Version, state.Backends.Select(b => new BackendView(
            b.Address, b.Healthy, !checks ? "unknown" : b.Healthy ? "up" : "down", BreakerName(b.Breaker), b.Drained, b.Weight, b.InFlight, b.ErrorRate, b.LatencyMs, b.Ejected)).ToList(),
            stale));
    }

    private ReceivedPoolState? LastKnown(string pool) => current().Pools.TryGetValue(pool, out var runtime) ? runtime.LastClusterState : null;

    private static string StaleNote(ReceivedPoolState last) =>
        $"entity moving, last known state (received {(DateTime.UtcNow - last.ReceivedUtc).TotalSeconds:0} s ago)";

    public Task<AdminResult> DrainAsync(string pool, string? backend) => ChangeAsync(pool, backend, a => new DrainBackend(pool, a));

    public Task<AdminResult> UndrainAsync(string pool, string? backend) => ChangeAsync(pool, backend, a => new UndrainBackend(pool, a));

    public Task<AdminResult> WeightAsync(string pool, string? backend, string? value)
    {
        if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var weight) ||
            weight > 1000)
            return Task.FromResult(new AdminResult(400, new ErrorView($"value must be a whole number from 0 to 1000, got '{value}'")));
        return ChangeAsync(pool, backend, a => new SetBackendWeight(pool, a, weight));
    }

    private async Task<AdminResult> ChangeAsync(string pool, string? backend, Func<string, IBackendPoolCommand> command)
    {
        if (!Settings.Pools.TryGetValue(pool, out var poolSettings)) return NoPool(pool);
        if (string.IsNullOrEmpty(backend)) return new AdminResult(400, new ErrorView("missing query parameter 'backend' (host:port)"));
        var known = poolSettings.Backends.FirstOrDefault(b => string.Equals(b.Address, backend, StringComparison.OrdinalIgnoreCase));
        if (known is null) return new AdminResult(404, new ErrorView($"pool '{pool}' has no backend '{backend}'"));
        try
        {
            var result = await region.Ask<AdminChangeResult>(command(known.Address), timeout).ConfigureAwait(false);
            if (result.JournalFailed) return new AdminResult(503, new ErrorView(result.Message));
            return new AdminResult(result.Ok ? 200 : 409, new ChangeView(result.Ok, pool, result.Address, result.Message, result.Version));
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            // No answer at all (the entity is moving or its node is unreachable): neither applied nor refused is known.
            return new AdminResult(504, new ErrorView(
                $"pool '{pool}' did not answer within {timeout.TotalSeconds:0} s; not confirmed: check with 'pbm pool {pool}' before repeating it"));
        }
    }

    private async Task<(string Pool, PoolState? State)> StateOrNullAsync(string pool)
    {
        try
        {
            var wait = LastKnown(pool) is null ? timeout : ReadTimeoutWithFallback;
            return (pool, await region.Ask<PoolState>(new GetPoolState(pool), wait).ConfigureAwait(false));
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return (pool, null);
        }
    }

    private AdminResult NoPool(string pool) => new(404, new ErrorView($"no pool named '{pool}'"));

    private string PolicyName(string pool) => LoadBalancingPolicyNames.Of(Settings.Pools[pool].Policy);

    private static string BreakerName(BreakerState state) => state switch
    {
        BreakerState.Open => "open",
        BreakerState.HalfOpen => "half-open",
        _ => "closed",
    };
}
