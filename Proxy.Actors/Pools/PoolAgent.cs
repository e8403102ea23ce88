using Akka.Actor;
using Proxy.Shared.Pools;

namespace Proxy.Actors.Pools;

/// <summary>
/// The node-local owner of one pool's runtime (<see cref="PoolRuntime"/>): keeps its upstream connection
/// pools tidy and answers status queries. Connection stages read the runtime directly; this actor is the one
/// writer. The cluster issue feeds it <c>PoolState</c> from the sharded BackendPool entity.
/// </summary>
public sealed class PoolAgent : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan UpkeepInterval = TimeSpan.FromSeconds(1);
    private readonly PoolRuntime _pool;

    public PoolAgent(PoolRuntime pool)
    {
        _pool = pool;
        Receive<PoolUpkeep>(_ =>
        {
            _pool.Budget.Decay();
            foreach (var backend in _pool.Backends)
                backend.Connections.EvictIdle(_pool.Settings.Connections.IdleTimeout);
        });
        Receive<GetPoolStatus>(_ =>
        {
            var backends = new List<BackendStatus>(_pool.Backends.Length);
            foreach (var b in _pool.Backends)
                backends.Add(new BackendStatus(b.Address, b.Available, b.Weight, b.InFlight, b.Connections.Open,
                    b.Connections.Idle));
            Sender.Tell(new PoolStatus(_pool.Name, _pool.Settings.Policy.ToString(), backends));
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PoolRuntime pool) => Akka.Actor.Props.Create(() => new PoolAgent(pool));

    protected override void PreStart() =>
        Timers.StartPeriodicTimer("upkeep", PoolUpkeep.Instance, UpkeepInterval);

    protected override void PostStop() => _pool.Dispose();
}
