using Proxy.Shared.Configuration;

namespace Proxy.Shared.Pools;

/// <summary>
/// The decision state of one pool, as the BackendPool entity keeps it: per backend, active health (P2),
/// outlier ejection (P3), the circuit breaker (P4), admin drain and weight (P5), and a 10 s window of error
/// rate and latency for inspection. Pure and single-threaded (the entity owns it); time is passed in, so
/// every transition is unit-tested without clocks. Each mutator returns whether a decision changed, i.e.
/// whether nodes must be told.
/// </summary>
public sealed class BackendPoolModel
{
    private const int WindowSeconds = 10;
    private PoolSettings _settings;
    private readonly Dictionary<string, Entry> _byAddress = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Entry> _entries = [];

    public BackendPoolModel(PoolSettings settings)
    {
        _settings = settings;
        foreach (var b in settings.Backends)
        {
            var entry = new Entry(b.Address, b.Weight);
            _entries.Add(entry);
            _byAddress[b.Address] = entry;
        }
    }

    public PoolSettings Settings => _settings;

    /// <summary>
    /// O6: the pool as a new config revision has it. Backends that stay keep their state (health, breaker, ejection,
    /// drain, admin weight, outcome window) — a weight the config changed is taken; backends that left are forgotten,
    /// new ones start healthy with their configured weight. Without active health checks now, no backend stays down
    /// for a probe's sake. Returns whether the published state changes.
    /// </summary>
    public bool Reconfigure(PoolSettings settings)
    {
        var old = _settings;
        _settings = settings;
        var changed = false;
        var kept = new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase);
        _entries.Clear();
        foreach (var b in settings.Backends)
        {
            if (_byAddress.TryGetValue(b.Address, out var entry))
            {
                var before = old.Backends.FirstOrDefault(o => string.Equals(o.Address, b.Address, StringComparison.OrdinalIgnoreCase));
                if (before is not null && before.Weight != b.Weight && entry.Weight != b.Weight)
                {
                    entry.Weight = b.Weight;
                    changed = true;
                }
                if (settings.Health is null && !entry.Healthy)
                {
                    entry.Healthy = true;
                    changed = true;
                }
            }
            else
            {
                entry = new Entry(b.Address, b.Weight);
                changed = true;
            }
            _entries.Add(entry);
            kept[b.Address] = entry;
        }
        changed |= kept.Count != _byAddress.Count;
        _byAddress.Clear();
        foreach (var (address, entry) in kept) _byAddress[address] = entry;
        return changed;
    }

    public IEnumerable<string> Addresses => _entries.Select(e => e.Address);

    /// <summary>The configured spelling of an address given in any case, or null when it is not in the pool.</summary>
    public string? Find(string address) => _byAddress.TryGetValue(address, out var e) ? e.Address : null;

    // ------------------------------------------------------------------ admin (persisted events)

    public bool Apply(IBackendPoolEvent @event) => @event switch
    {
        BackendDrained d => Set(d.Address, e => e.Drained, (e, v) => e.Drained = v, true),
        BackendUndrained u => Set(u.Address, e => e.Drained, (e, v) => e.Drained = v, false),
        BackendWeightChanged w => Set(w.Address, e => e.Weight, (e, v) => e.Weight = v, w.Weight),
        _ => false,
    };

    private bool Set<T>(string address, Func<Entry, T> get, Action<Entry, T> set, T value)
    {
        if (!_byAddress.TryGetValue(address, out var e) || EqualityComparer<T>.Default.Equals(get(e), value)) return false;
        set(e, value);
        return true;
    }

    // ------------------------------------------------------------------ active health checks (P2)

    /// <summary>One probe result for a backend; thresholds of consecutive results flip its health.</summary>
    public bool ApplyProbe(string address, bool passed)
    {
        if (_settings.Health is not { } health || !_byAddress.TryGetValue(address, out var e)) return false;
        if (passed)
        {
            e.ProbeFailures = 0;
            e.ProbePasses++;
            if (!e.Healthy && e.ProbePasses >= health.Healthy)
            {
                e.Healthy = true;
                return true;
            }
        }
        else
        {
            e.ProbePasses = 0;
            e.ProbeFailures++;
            if (e.Healthy && e.ProbeFailures >= health.Unhealthy)
            {
                e.Healthy = false;
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ passive outcomes (P3, P4)

    /// <summary>A node's batch of outcomes. Consecutive failures are counted across every node's reports.</summary>
    public bool ApplyOutcomes(string node, IReadOnlyList<BackendOutcome> outcomes, DateTime now)
    {
        var changed = false;
        foreach (var o in outcomes)
        {
            if (!_byAddress.TryGetValue(o.Address, out var e)) continue;
            e.InFlightByNode[node] = o.InFlight;
            e.Window.Add(now, o.Successes, o.Failures, o.LatencyMsSum);
            if (o.Successes == 0 && o.Failures == 0) continue;

            e.ConsecutiveFailures = o.Successes > 0 ? o.TrailingFailures : e.ConsecutiveFailures + o.Failures;
            changed |= UpdateBreaker(e, o, now);
            changed |= UpdateOutlier(e, now);
        }
        return changed;
    }

    /// <summary>A node left: its in-flight counts no longer apply.</summary>
    public void ForgetNode(string node)
    {
        foreach (var e in _entries) e.InFlightByNode.Remove(node);
    }

    private bool UpdateBreaker(Entry e, BackendOutcome o, DateTime now)
    {
        var breaker = _settings.Breaker;
        if (!breaker.Enabled) return false;
        switch (e.Breaker)
        {
            case BreakerState.Closed when e.ConsecutiveFailures >= breaker.Failures:
                Open(e, now);
                return true;
            case BreakerState.HalfOpen:
            {
                // Trials count in the order they ended: the successes before the batch's first failure. Enough of
                // them close the breaker whatever follows; a failure before that opens it for another period.
                e.HalfOpenSuccesses += o.Failures == 0 ? o.Successes : Math.Min(o.LeadingSuccesses, o.Successes);
                if (e.HalfOpenSuccesses >= breaker.HalfOpenTrials)
                {
                    e.Breaker = BreakerState.Closed;
                    e.HalfOpenSuccesses = 0;
                    // What followed the trials in the same batch counts as it would against a closed breaker.
                    if (e.ConsecutiveFailures >= breaker.Failures) Open(e, now);
                    return true;
                }
                if (o.Failures == 0) return false;
                Open(e, now);
                return true;
            }
            default:
                return false;
        }
    }

    private void Open(Entry e, DateTime now)
    {
        e.Breaker = BreakerState.Open;
        e.BreakerUntil = now + _settings.Breaker.OpenFor;
        e.HalfOpenSuccesses = 0;
    }

    private bool UpdateOutlier(Entry e, DateTime now)
    {
        var outlier = _settings.Outlier;
        if (!outlier.Enabled || e.EjectedUntil is not null || e.ConsecutiveFailures < outlier.ConsecutiveFailures) return false;
        var maxEjected = Math.Max(1, (int)Math.Floor(_entries.Count * outlier.MaxEjectedPercent));
        if (_entries.Count(x => x.EjectedUntil is not null) >= maxEjected) return false;
        e.TimesEjected++;
        var period = TimeSpan.FromTicks(Math.Min(outlier.BaseEjection.Ticks * e.TimesEjected, outlier.MaxEjection.Ticks));
        e.EjectedUntil = now + period;
        e.ConsecutiveFailures = 0;
        return true;
    }

    // ------------------------------------------------------------------ time

    /// <summary>Moves timed states on: open breakers become half-open, ejections end (and are forgiven slowly).</summary>
    public bool Tick(DateTime now)
    {
        var changed = false;
        foreach (var e in _entries)
        {
            if (e.Breaker == BreakerState.Open && now >= e.BreakerUntil)
            {
                e.Breaker = BreakerState.HalfOpen;
                e.HalfOpenSuccesses = 0;
                changed = true;
            }
            if (e.EjectedUntil is { } until && now >= until)
            {
                e.EjectedUntil = null;
                e.LastEjectionEnded = now;
                changed = true;
            }
            // Like Envoy's ejection multiplier: each quiet base period takes one step off the next ejection.
            if (e.EjectedUntil is null && e.TimesEjected > 0 && now - e.LastEjectionEnded >= _settings.Outlier.BaseEjection)
            {
                e.TimesEjected--;
                e.LastEjectionEnded = now;
            }
        }
        return changed;
    }

    // ------------------------------------------------------------------ views

    public PoolState ToState(string incarnation, long version, DateTime now)
    {
        var backends = new BackendState[_entries.Count];
        for (var i = 0; i < backends.Length; i++)
        {
            var e = _entries[i];
            var (requests, failures, latencySum) = e.Window.Sum(now);
            backends[i] = new BackendState(e.Address, e.Healthy, e.Breaker, e.Drained, e.Weight, e.EjectedUntil is not null,
                e.InFlightByNode.Values.Sum(), requests == 0 ? 0 : Math.Round((double)failures / requests, 4),
                requests == 0 ? 0 : Math.Round(latencySum / requests, 3));
        }
        return new PoolState(_settings.Name, incarnation, version, backends);
    }

    private sealed class Entry(string address, int weight)
    {
        public string Address { get; } = address;
        public int Weight { get; set; } = weight;
        public bool Drained { get; set; }
        public bool Healthy { get; set; } = true;
        public int ProbePasses { get; set; }
        public int ProbeFailures { get; set; }
        public int ConsecutiveFailures { get; set; }
        public BreakerState Breaker { get; set; }
        public DateTime BreakerUntil { get; set; }
        public int HalfOpenSuccesses { get; set; }
        public DateTime? EjectedUntil { get; set; }
        public DateTime LastEjectionEnded { get; set; }
        public int TimesEjected { get; set; }
        public Dictionary<string, int> InFlightByNode { get; } = new(StringComparer.Ordinal);
        public OutcomeWindow Window { get; } = new(WindowSeconds);
    }
}
