namespace Proxy.Tests.Integration.Support;

/// <summary>Samples a node process's resident memory every 50 ms from creation until disposed; <see cref="Peak"/> is
/// the highest seen, <see cref="Baseline"/> the first.</summary>
public sealed class PeakRss : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private long _peak;

    public PeakRss(NodeProcess node)
    {
        Baseline = _peak = node.ResidentBytes();
        _sampler = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), node.ResidentBytes()));
                await Task.Delay(50);
            }
        });
    }

    public long Baseline { get; }

    public long Peak => Interlocked.Read(ref _peak);

    public long Growth => Peak - Baseline;

    /// <summary>Stops sampling (the figures stay readable).</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _sampler;
        _stop.Dispose();
    }
}
