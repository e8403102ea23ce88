using Proxy.Actors.Connections;
using Proxy.Actors.Metrics;
using Xunit;

namespace Proxy.Tests.Connections;

/// <summary>
/// The listener's connection registry is used from accept threads, connection threads and the listener actor; these
/// pin the orders that can happen between them: a connection closing before it is tracked, a drain beginning while a
/// connection is still starting, and admission at the limit and while stopping.
/// </summary>
public sealed class ConnectionRegistryTests
{
    private int _allClosed;

    private ConnectionRegistry NewRegistry() =>
        new(ConnectionMetrics.Uncounted.For("public"), () => Interlocked.Increment(ref _allClosed));

    [Fact]
    public void Admission_StopsAtMaxConnections_AndCountsRefusals()
    {
        var registry = NewRegistry();
        Assert.Equal(ConnectionRegistry.Admission.Admitted, registry.TryAdmit(2));
        Assert.Equal(ConnectionRegistry.Admission.Admitted, registry.TryAdmit(2));
        Assert.Equal(ConnectionRegistry.Admission.AtLimit, registry.TryAdmit(2));
        Assert.Equal(2, registry.Open);
        Assert.Equal((2L, 1L), registry.Totals);

        registry.Abandon(); // one could not start: its place is free again
        Assert.Equal(ConnectionRegistry.Admission.Admitted, registry.TryAdmit(2));
    }

    [Fact]
    public void Admission_IsRefusedAsStopping_OnceStopped()
    {
        var registry = NewRegistry();
        registry.StopAccepting();
        Assert.False(registry.Accepting);
        Assert.Equal(ConnectionRegistry.Admission.Stopping, registry.TryAdmit(10));
        Assert.Equal(0, registry.Open);
    }

    [Fact]
    public void AConnectionThatClosedBeforeItWasTracked_IsNotCountedAsOpen()
    {
        var registry = NewRegistry();
        registry.TryAdmit(10);
        var handle = new ConnectionHandle();
        handle.MarkClosed(); // its stage stopped while the accept thread was still materializing it
        registry.Track(handle);
        Assert.Equal(0, registry.Open);
    }

    [Fact]
    public void ADrain_ReachesAConnectionTrackedAfterItBegan_AndEndsWhenTheLastCloses()
    {
        var registry = NewRegistry();
        registry.TryAdmit(10);
        var open = Tracked(registry, out var openDrained);
        registry.TryAdmit(10); // still starting on an accept thread when the drain begins

        registry.DrainAll();
        Assert.True(openDrained());
        Assert.Equal(0, _allClosed);

        var late = Tracked(registry, out var lateDrained);
        Assert.True(lateDrained());

        open.MarkClosed();
        Assert.Equal(0, _allClosed);
        late.MarkClosed();
        Assert.Equal(1, _allClosed);
        Assert.Equal(0, registry.Open);
        Assert.Equal(ConnectionRegistry.Admission.Stopping, registry.TryAdmit(10));
    }

    [Fact]
    public void ADrainWithNothingOpen_EndsAtOnce()
    {
        var registry = NewRegistry();
        registry.DrainAll();
        Assert.Equal(1, _allClosed);
    }

    [Fact]
    public void ClosingTwice_CountsOnce()
    {
        var registry = NewRegistry();
        registry.TryAdmit(10);
        registry.TryAdmit(10);
        var handle = Tracked(registry, out _);
        handle.MarkClosed();
        handle.MarkClosed();
        Assert.Equal(1, registry.Open);
    }

    private static ConnectionHandle Tracked(ConnectionRegistry registry, out Func<bool> drained)
    {
        var handle = new ConnectionHandle();
        var asked = false;
        handle.Attach(() => asked = true);
        registry.Track(handle);
        drained = () => asked;
        return handle;
    }
}
