using System.Collections.Concurrent;
using Proxy.Actors.Pools;
using Proxy.Shared.Configuration;
using Proxy.Shared.Forwarding;

namespace Proxy.Actors.Forwarding;

/// <summary>
/// One forward listener's state as the hot path reads it: its guards, the parsed default upstream, and a
/// keep-alive connection pool per upstream proxy (host, port, credentials), created on first use and dropped
/// by the <see cref="ForwardAgent"/> once idle. Lookups are lock-free; the number of distinct upstreams is
/// capped (<c>proxy.forward.max-upstreams</c>) because clients choose them.
/// </summary>
public sealed class ForwardRuntime : IDisposable
{
    private readonly ConcurrentDictionary<string, Backend> _upstreams = new(StringComparer.Ordinal);

    public ForwardRuntime(ListenerSettings listener, ForwardSettings settings)
    {
        Settings = settings;
        Listener = listener;
        TargetGuard = AddressGuard.Create(listener.Guard.AllowTargets, listener.Guard.DenyTargets);
        UpstreamGuard = AddressGuard.Create(listener.Guard.AllowUpstreams, listener.Guard.DenyUpstreams);
        DefaultUpstream = settings.DefaultUpstream is { } text && UpstreamProxy.TryParse(text, out var parsed, out _) ? parsed : null;
        // Timeouts, retries and the retry budget of forwarded requests, in the shape the exchange stage reads.
        Pool = new PoolRuntime(new PoolSettings
        {
            Name = "forward:" + listener.Name,
            Timeouts = settings.Timeouts,
            Retries = settings.Retries,
            Connections = settings.Connections,
            Limits = settings.Limits,
        });
    }

    public ListenerSettings Listener { get; }
    public ForwardSettings Settings { get; }
    public AddressGuard TargetGuard { get; }
    public AddressGuard UpstreamGuard { get; }
    /// <summary><c>resolve-targets = local</c>: target names sent to an upstream proxy are resolved here for the guard.</summary>
    public bool ResolveTargetsLocally => Listener.Guard.ResolveTargets == TargetResolution.Local;
    public UpstreamProxy? DefaultUpstream { get; }
    public PoolRuntime Pool { get; }
    public int UpstreamCount => _upstreams.Count;

    /// <summary>The node's pool for this upstream proxy; false when the cap of distinct upstreams is reached.</summary>
    public bool TryGetUpstream(UpstreamProxy proxy, out Backend backend)
    {
        if (_upstreams.TryGetValue(proxy.PoolKey, out backend!)) return true;
        if (_upstreams.Count >= Settings.MaxUpstreams) return false;
        backend = _upstreams.GetOrAdd(proxy.PoolKey, _ => new Backend(
            new BackendSettings { Address = proxy.Display, Host = proxy.Host, Port = proxy.Port }, Settings.Connections));
        return true;
    }

    /// <summary>Closes idle pooled connections and forgets upstreams with nothing open and nothing in flight.</summary>
    public void Tidy()
    {
        foreach (var (key, backend) in _upstreams)
        {
            backend.Connections.EvictIdle(Settings.Connections.IdleTimeout);
            if (backend.Connections.Open == 0 && backend.InFlight == 0 &&
                _upstreams.TryRemove(new KeyValuePair<string, Backend>(key, backend)))
                backend.Connections.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var backend in _upstreams.Values) backend.Connections.Dispose();
        _upstreams.Clear();
        Pool.Dispose();
    }
}
