using System.Collections.Concurrent;
using Proxy.Actors.Exchange;
using Proxy.Shared.Admin;
using Proxy.Shared.Stats;

namespace Proxy.Actors.Metrics;

/// <summary>
/// The node's own figures for <c>pbm stats</c> and <c>pbm top</c> (O2): requests per route and upstream attempts per
/// backend, with failures and latency, in one-second slots over the last <see cref="WindowSeconds"/> seconds. Unlike the
/// Prometheus histograms (cumulative since start, coarse buckets), these are a recent window in fine buckets that add up
/// across nodes. Recording is lock-free (a series' slot is cleared under its lock once per second, by the first request
/// of that second).
/// </summary>
public sealed class LiveStats : IExchangeObserver
{
    public const int WindowSeconds = 10;

    /// <summary>The window plus the second being filled and one spare, so a slot is never cleared while it is read.</summary>
    private const int Slots = WindowSeconds + 2;

    private readonly ConcurrentDictionary<string, Series> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Pool, string Backend), Series> _backends = new();

    public void OnExchangeCompleted(ExchangeContext exchange)
    {
        var route = exchange.Route?.Name ?? "";
        _routes.GetOrAdd(route, static _ => new Series())
            .Record(exchange.Elapsed.TotalMilliseconds, exchange.Status >= 500 || exchange.FailureType is not null);
    }

    public void OnAttemptCompleted(ExchangeContext exchange, in UpstreamAttempt attempt)
    {
        _backends.GetOrAdd((exchange.Pool?.Name ?? "", attempt.Backend.Address), static _ => new Series())
            .Record(attempt.Duration.TotalMilliseconds, attempt.ErrorType is not null || attempt.Status >= 500);
    }

    /// <summary>The last <see cref="WindowSeconds"/> whole seconds (series with no request in them left out).</summary>
    public LiveStatsSnapshot Snapshot(string node)
    {
        var now = Environment.TickCount64 / 1000;
        return new LiveStatsSnapshot(node, WindowSeconds,
            _routes.Select(kv => kv.Value.Sum(kv.Key, "", now)).Where(s => s.Requests > 0).ToList(),
            _backends.Select(kv => kv.Value.Sum(kv.Key.Backend, kv.Key.Pool, now)).Where(s => s.Requests > 0).ToList());
    }

    private sealed class Series
    {
        private readonly Slot[] _slots = Enumerable.Range(0, Slots).Select(_ => new Slot()).ToArray();

        public void Record(double milliseconds, bool failed)
        {
            var second = Environment.TickCount64 / 1000;
            var slot = _slots[second % Slots];
            if (Volatile.Read(ref slot.Second) != second) slot.Start(second);
            Interlocked.Increment(ref slot.Requests);
            if (failed) Interlocked.Increment(ref slot.Errors);
            Interlocked.Increment(ref slot.Buckets[LatencyBuckets.Of(milliseconds)]);
        }

        public SeriesCounts Sum(string name, string pool, long now)
        {
            long requests = 0, errors = 0;
            var counts = new long[LatencyBuckets.Count];
            foreach (var slot in _slots)
            {
                var second = Volatile.Read(ref slot.Second);
                if (second < now - WindowSeconds || second >= now) continue; // outside the window, or still filling
                requests += Volatile.Read(ref slot.Requests);
                errors += Volatile.Read(ref slot.Errors);
                for (var i = 0; i < counts.Length; i++) counts[i] += Volatile.Read(ref slot.Buckets[i]);
            }
            var used = Enumerable.Range(0, counts.Length).Where(i => counts[i] > 0).ToList();
            return new SeriesCounts(name, pool, requests, errors, used, used.Select(i => counts[i]).ToList());
        }
    }

    private sealed class Slot
    {
        public long Second = -1;
        public long Requests;
        public long Errors;
        public readonly long[] Buckets = new long[LatencyBuckets.Count];

        /// <summary>Makes the slot this second's (the first request of the second clears what it held 12 s ago).</summary>
        public void Start(long second)
        {
            lock (this)
            {
                if (Second == second) return;
                Array.Clear(Buckets);
                Requests = 0;
                Errors = 0;
                Volatile.Write(ref Second, second);
            }
        }
    }
}
