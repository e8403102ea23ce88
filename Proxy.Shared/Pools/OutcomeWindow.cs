namespace Proxy.Shared.Pools;

/// <summary>Requests, failures and latency over the last N whole seconds, in one bucket per second.</summary>
public sealed class OutcomeWindow(int seconds)
{
    private readonly long[] _second = new long[seconds];
    private readonly long[] _requests = new long[seconds];
    private readonly long[] _failures = new long[seconds];
    private readonly double[] _latency = new double[seconds];

    public void Add(DateTime now, int successes, int failures, double latencyMsSum)
    {
        var second = now.Ticks / TimeSpan.TicksPerSecond;
        var i = (int)(second % _second.Length);
        if (_second[i] != second)
        {
            _second[i] = second;
            _requests[i] = _failures[i] = 0;
            _latency[i] = 0;
        }
        _requests[i] += successes + failures;
        _failures[i] += failures;
        _latency[i] += latencyMsSum;
    }

    public (long Requests, long Failures, double LatencyMsSum) Sum(DateTime now)
    {
        var second = now.Ticks / TimeSpan.TicksPerSecond;
        long requests = 0, failures = 0;
        double latency = 0;
        for (var i = 0; i < _second.Length; i++)
        {
            if (second - _second[i] >= _second.Length) continue;
            requests += _requests[i];
            failures += _failures[i];
            latency += _latency[i];
        }
        return (requests, failures, latency);
    }
}
