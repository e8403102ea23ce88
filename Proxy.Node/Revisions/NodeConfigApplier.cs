using Akka.Actor;
using Akka.Configuration;
using Proxy.Actors.ConfigRevisions;
using Proxy.Actors.Connections;
using Proxy.Actors.Forwarding;
using Proxy.Actors.Pools;
using Proxy.Node.Hosting;
using Proxy.Shared.Configuration;
using Proxy.Shared.ConfigRevisions;
using Proxy.Shared.Routing;

namespace Proxy.Node.Revisions;

/// <summary>
/// O6: takes a config revision on this node. The text is resolved with the node's own environment (its
/// <c>${?VAR}</c> substitutions and <c>PROXY__…</c> overrides, so per-node addresses keep working), validated as at
/// start, checked for changes that need a restart (<see cref="LiveSettings"/>), and the files it names are read; then
/// one new <see cref="RuntimeSnapshot"/> is published (new requests take it, those in flight finish on theirs). Pools
/// whose settings did not change are carried over as they are; a changed pool keeps the backends that stayed (their
/// connections and cluster state) and its agent takes the new runtime; new pools get an agent, removed ones lose theirs.
/// Listeners are bound, drained or updated (<see cref="ListenerChanges"/>); a revision that changes the rate limits or
/// the routes gets a limiter of its own; forward listeners keep their upstream runtime unless their settings changed.
/// Verify and apply run one at a time (the agent applies; the admin API verifies).
/// </summary>
public sealed class NodeConfigApplier : IConfigRevisionApplier
{
    private readonly ProxyRuntime _runtime;
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly Action<string>? _warn;
    private readonly object _gate = new();
    private Config _running;
    private ActorSystem? _system;
    private IActorRef? _region;
    private ListenerSet? _listeners;
    private Proxy.Actors.Transport.ListenerTransport _transport;
    private Func<ProxySettings, Proxy.Actors.Limits.LimiterRuntime?>? _limiterFor;
    private bool _hasRedis;
    private readonly Dictionary<string, IActorRef> _poolAgents = new(StringComparer.Ordinal);

    /// <param name="running">The full config the node started with (file, environment and defaults).</param>
    public NodeConfigApplier(ProxyRuntime runtime, Config running, IReadOnlyDictionary<string, string?> environment, Action<string>? warn)
    {
        _runtime = runtime;
        _running = running;
        _environment = environment;
        _warn = warn;
    }

    /// <summary>The node's actors, once its actor system runs: where new pool agents start, and the agents of the pools
    /// the node started with.</summary>
    /// <param name="limiterFor">Makes the limiter for a revision whose limits or routes changed (attached to the node's
    /// regions and Redis store).</param>
    /// <param name="hasRedis">The node connected to Redis at start (a revision cannot add the first Redis-stored limit).</param>
    public void Attach(ActorSystem system, IActorRef region, IReadOnlyDictionary<string, IActorRef> poolAgents, ListenerSet listeners,
        Proxy.Actors.Transport.ListenerTransport transport, Func<ProxySettings, Proxy.Actors.Limits.LimiterRuntime?> limiterFor, bool hasRedis)
    {
        lock (_gate)
        {
            _limiterFor = limiterFor;
            _hasRedis = hasRedis;
            _system = system;
            _region = region;
            _listeners = listeners;
            _transport = transport;
            foreach (var (name, agent) in poolAgents) _poolAgents[name] = agent;
        }
    }

    public IReadOnlyList<ConfigProblem> Verify(string text)
    {
        lock (_gate)
        {
            try
            {
                var prepared = Prepare(text, "config text", _runtime.Current.Revision, bind: false);
                DisposeUnused(prepared.Pools);
                if (prepared.Snapshot is { } unused) DisposeReplaced(unused.Forwarders, _runtime.Current.Forwarders);
                return prepared.Problems;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return Unexpected(e);
            }
        }
    }

    public IReadOnlyList<ConfigProblem> Apply(ConfigRevision revision)
    {
        lock (_gate)
        {
            try
            {
                return ApplyLocked(revision);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return Unexpected(e);
            }
        }
    }

    /// <summary>A failure the checks did not foresee: the revision is refused (the node keeps its snapshot) and said why.</summary>
    private IReadOnlyList<ConfigProblem> Unexpected(Exception e)
    {
        _warn?.Invoke($"A config revision could not be checked or applied: {e}");
        return [new ConfigProblem("config", $"the node could not take it: {e.GetType().Name}: {e.Message}")];
    }

    private IReadOnlyList<ConfigProblem> ApplyLocked(ConfigRevision revision)
    {
        var prepared = Prepare(revision.Text, $"revision {revision.Number}", revision.Number, bind: true);
        if (prepared.Problems.Count > 0 || prepared.Snapshot is null || prepared.Hocon is null)
        {
            DisposeUnused(prepared.Pools);
            prepared.Listeners?.Dispose();
            return prepared.Problems;
        }
        var previous = _runtime.Current;
        var pools = prepared.Pools;
        _runtime.Publish(prepared.Snapshot);
        DisposeReplaced(previous.Forwarders, prepared.Snapshot.Forwarders);
        _running = prepared.Hocon;
        if (_system is not null && _listeners is not null)
            prepared.Listeners?.Execute(_system, _listeners, _runtime, _transport, revision.Number, prepared.Snapshot.Settings.Shutdown.Timeout);
        foreach (var (name, pool) in pools)
        {
            if (previous.Pools.TryGetValue(name, out var old) && ReferenceEquals(old, pool)) continue;
            if (_poolAgents.TryGetValue(name, out var agent)) agent.Tell(new PoolAgent.ReplacePool(pool));
            else if (_system is not null)
                _poolAgents[name] = _system.ActorOf(PoolAgent.Props(pool, _region), $"pool-{name}-r{revision.Number}");
        }
        foreach (var (name, agent) in _poolAgents.Where(kv => !pools.ContainsKey(kv.Key)).ToList())
        {
            // Requests in flight to the pool finish; its connections close as they are given back.
            _system?.Stop(agent);
            _poolAgents.Remove(name);
        }
        return [];
    }

    /// <summary>A revision checked and built short of publishing: its problems, the pools it would run (reused or new),
    /// its listener changes (sockets bound when applying), and its snapshot when there are no problems.</summary>
    private sealed record Prepared(IReadOnlyList<ConfigProblem> Problems, Dictionary<string, PoolRuntime> Pools,
        ListenerChanges? Listeners = null, Config? Hocon = null, RuntimeSnapshot? Snapshot = null);

    private Prepared Prepare(string text, string source, long number, bool bind)
    {
        var pools = new Dictionary<string, PoolRuntime>(StringComparer.Ordinal);
        var loaded = ProxyConfigLoader.LoadText(text, _environment, source);
        if (!loaded.IsValid) return new Prepared(loaded.Problems, pools);
        var problems = new List<ConfigProblem>(LiveSettings.RestartNeeded(_running, loaded.Hocon));
        var current = _runtime.Current;
        var settings = KeepUnchangedPools(loaded.Settings, current.Settings);
        foreach (var (name, poolSettings) in settings.Pools)
        {
            var old = current.Pools.GetValueOrDefault(name);
            if (old is not null && ReferenceEquals(old.Settings, poolSettings))
            {
                pools[name] = old;
                continue;
            }
            try
            {
                pools[name] = new PoolRuntime(poolSettings, old);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException
                                          or System.Security.Cryptography.CryptographicException)
            {
                problems.Add(new ConfigProblem($"proxy.pools.{name}.tls.ca-file", e.Message));
            }
        }
        if (problems.Count > 0) return new Prepared(problems, pools);
        var (listeners, listenerProblems) = ListenerChanges.Prepare(current.Settings.Listeners, settings.Listeners, bind);
        if (listenerProblems.Count > 0) return new Prepared(listenerProblems, pools);
        if (!_hasRedis)
        {
            for (var i = 0; i < settings.RateLimits.Count; i++)
                if (settings.RateLimits[i].Store == Proxy.Shared.RateLimiting.RateLimitStore.Redis)
                    problems.Add(new ConfigProblem($"proxy.rate-limits[{i}].store",
                        "the node started without a Redis-stored limit (no Redis connection): the first one is added only with a restart"));
        }
        if (problems.Count > 0)
        {
            listeners.Dispose();
            return new Prepared(problems, pools);
        }
        try
        {
            // The limiter maps routes to limits: a new one when either changed (leases are taken again; the buckets are
            // the cluster's entities and keep their tokens).
            var limiter = SettingsComparison.Same(settings.RateLimits, current.Settings.RateLimits)
                          && settings.Routes.Select(r => r.Name).SequenceEqual(current.Settings.Routes.Select(r => r.Name))
                ? current.Limiter
                : bind ? _limiterFor?.Invoke(settings) : null;
            var snapshot = new RuntimeSnapshot(settings, RouteTable.Build(settings.Routes), pools, Forwarders(settings, current), limiter,
                _warn, current.Plugins, current.Caches) { Revision = number };
            return new Prepared(problems, pools, listeners, loaded.Hocon, snapshot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // A users or keys file the routes name (validated as present; unreadable or invalid now).
            listeners.Dispose();
            return new Prepared([new ConfigProblem("proxy.routes", e.Message)], pools);
        }
    }

    /// <summary>The forward listeners' runtimes: carried over when neither the listener nor <c>proxy.forward</c> changed
    /// (their upstream connections stay), else new.</summary>
    private static Dictionary<string, ForwardRuntime> Forwarders(ProxySettings settings, RuntimeSnapshot current)
    {
        var forwarders = new Dictionary<string, ForwardRuntime>(StringComparer.Ordinal);
        var sameForward = SettingsComparison.Same(settings.Forward, current.Settings.Forward);
        foreach (var listener in settings.Listeners.Where(l => l.Mode == ListenerMode.Forward))
            forwarders[listener.Name] = sameForward && current.Forwarders.TryGetValue(listener.Name, out var old) && SettingsComparison.Same(old.Listener, listener)
                ? old
                : new ForwardRuntime(listener, settings.Forward);
        return forwarders;
    }

    /// <summary>Closes the upstream connections of forwarders <paramref name="next"/> does not carry over.</summary>
    private static void DisposeReplaced(IReadOnlyDictionary<string, ForwardRuntime> previous, IReadOnlyDictionary<string, ForwardRuntime> next)
    {
        foreach (var old in previous.Values)
            if (!next.Values.Contains(old)) old.Dispose();
    }

    /// <summary>The revision's settings with the running <see cref="PoolSettings"/> object for every pool whose
    /// settings are the same: reference equality then says "unchanged" to the pool's runtime and its cluster entity.</summary>
    private static ProxySettings KeepUnchangedPools(ProxySettings next, ProxySettings running)
    {
        var pools = new Dictionary<string, PoolSettings>(StringComparer.Ordinal);
        foreach (var (name, pool) in next.Pools)
            pools[name] = running.Pools.TryGetValue(name, out var old) && SettingsComparison.Same(old, pool) ? old : pool;
        return next with { Pools = pools };
    }

    /// <summary>Closes what a revision that was not published opened: the connections of backends it made new.</summary>
    private void DisposeUnused(Dictionary<string, PoolRuntime> pools)
    {
        var current = _runtime.Current.Pools;
        foreach (var (name, pool) in pools)
        {
            if (current.TryGetValue(name, out var old))
            {
                if (!ReferenceEquals(old, pool)) pool.DisposeReplacedBy(old);
            }
            else pool.Dispose();
        }
    }
}
