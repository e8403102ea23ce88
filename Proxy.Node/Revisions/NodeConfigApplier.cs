using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Proxy.Actors.ConfigRevisions;
using Proxy.Actors.Connections;
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
/// </summary>
public sealed class NodeConfigApplier : IConfigRevisionApplier
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private readonly ProxyRuntime _runtime;
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly Action<string>? _warn;
    private readonly object _gate = new();
    private Config _running;
    private ActorSystem? _system;
    private IActorRef? _region;
    private ListenerSet? _listeners;
    private Proxy.Actors.Transport.ListenerTransport _transport;
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
    public void Attach(ActorSystem system, IActorRef region, IReadOnlyDictionary<string, IActorRef> poolAgents, ListenerSet listeners,
        Proxy.Actors.Transport.ListenerTransport transport)
    {
        lock (_gate)
        {
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
            var prepared = Prepare(text, "config text", _runtime.Current.Revision, bind: false);
            DisposeUnused(prepared.Pools);
            return prepared.Problems;
        }
    }

    public IReadOnlyList<ConfigProblem> Apply(ConfigRevision revision)
    {
        lock (_gate)
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
        try
        {
            var snapshot = new RuntimeSnapshot(settings, RouteTable.Build(settings.Routes), pools, current.Forwarders, current.Limiter,
                _warn, current.Plugins) { Revision = number };
            return new Prepared(problems, pools, listeners, loaded.Hocon, snapshot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // A users or keys file the routes name (validated as present; unreadable or invalid now).
            listeners.Dispose();
            return new Prepared([new ConfigProblem("proxy.routes", e.Message)], pools);
        }
    }

    /// <summary>The revision's settings with the running <see cref="PoolSettings"/> object for every pool whose
    /// settings are the same: reference equality then says "unchanged" to the pool's runtime and its cluster entity.</summary>
    private static ProxySettings KeepUnchangedPools(ProxySettings next, ProxySettings running)
    {
        var pools = new Dictionary<string, PoolSettings>(StringComparer.Ordinal);
        foreach (var (name, pool) in next.Pools)
            pools[name] = running.Pools.TryGetValue(name, out var old) && SameSettings(old, pool) ? old : pool;
        return next with { Pools = pools };
    }

    private static bool SameSettings(PoolSettings a, PoolSettings b) =>
        JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(b, Json);

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
