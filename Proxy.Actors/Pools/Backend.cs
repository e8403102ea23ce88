using System.Diagnostics;
using System.Net;
using Proxy.Actors.Tls;
using Proxy.Shared.Configuration;
using Proxy.Shared.LoadBalancing;
using Proxy.Shared.Pools;

namespace Proxy.Actors.Pools;

/// <summary>
/// A backend as this node sees it: balancing state plus the node's connections to it, the cluster's
/// decision for it (applied by the PoolAgent) and the outcomes counted since the last report to the
/// BackendPool entity. Counters are lock-free: connection stages write them, the agent drains them.
/// </summary>
public sealed class Backend : LoadBalancedBackend
{
    private int _successes;
    private int _failures;
    private int _trailingFailures;
    private int _leadingSuccesses;
    private long _latencyTicks;
    private int _lastReportedInFlight = -1;
    private volatile int _trialLimit;

    public Backend(BackendSettings settings, UpstreamConnectionSettings connections, UpstreamTls? tls = null)
        : base(settings.Address, settings.Weight)
    {
        Settings = settings;
        Tls = settings.Tls ? tls ?? new UpstreamTls(new UpstreamTlsSettings()) : null;
        EndPoint = IPAddress.TryParse(settings.Host, out var ip)
            ? new IPEndPoint(ip, settings.Port)
            : new DnsEndPoint(settings.Host, settings.Port);
        Connections = new UpstreamConnectionPool(connections.MaxPerBackend);
    }

    public BackendSettings Settings { get; }
    /// <summary>How to verify this backend's certificate; null for plain HTTP.</summary>
    public UpstreamTls? Tls { get; }
    public EndPoint EndPoint { get; }
    public UpstreamConnectionPool Connections { get; }

    /// <summary>The cluster's last word on this backend (null until the first PoolState arrives).</summary>
    public BackendState? ClusterState { get; internal set; }

    /// <summary>Half-open breaker: requests this node may have in flight to it (0 = no limit).</summary>
    public int TrialLimit
    {
        get => _trialLimit;
        internal set => _trialLimit = value;
    }

    /// <summary>Whether a picked backend may take one more request now (the half-open trial limit).</summary>
    public bool AcceptsTrial => _trialLimit == 0 || InFlight < _trialLimit;

    /// <summary>An answer below 500 arrived whole; its head came at <paramref name="answeredAt"/> (a Stopwatch timestamp,
    /// now when 0), <paramref name="startedAt"/> being when the attempt began.</summary>
    public void RecordSuccess(long startedAt, long answeredAt = 0)
    {
        Interlocked.Add(ref _latencyTicks, (answeredAt == 0 ? Stopwatch.GetTimestamp() : answeredAt) - startedAt);
        Interlocked.Increment(ref _successes);
        Volatile.Write(ref _trailingFailures, 0);
    }

    /// <summary>A connect failure, timeout, broken or malformed answer, or a 5xx.</summary>
    public void RecordFailure(long startedAt)
    {
        if (startedAt != 0) Interlocked.Add(ref _latencyTicks, Stopwatch.GetTimestamp() - startedAt);
        // The batch's first failure: the successes so far are the ones that came before any failure.
        if (Interlocked.Increment(ref _failures) == 1) Volatile.Write(ref _leadingSuccesses, Volatile.Read(ref _successes));
        Interlocked.Increment(ref _trailingFailures);
    }

    /// <summary>Drains the counters into a report entry; null when nothing happened and in-flight is unchanged.</summary>
    internal BackendOutcome? TakeOutcome()
    {
        var successes = Interlocked.Exchange(ref _successes, 0);
        var failures = Interlocked.Exchange(ref _failures, 0);
        var trailing = Math.Min(Interlocked.Exchange(ref _trailingFailures, 0), failures);
        var leading = Interlocked.Exchange(ref _leadingSuccesses, 0);
        leading = failures == 0 ? successes : Math.Min(leading, successes);
        var latency = Interlocked.Exchange(ref _latencyTicks, 0);
        var inFlight = InFlight;
        if (successes == 0 && failures == 0 && inFlight == _lastReportedInFlight) return null;
        _lastReportedInFlight = inFlight;
        return new BackendOutcome(Address, successes, failures, trailing,
            latency * 1000.0 / Stopwatch.Frequency, inFlight, leading);
    }
}
