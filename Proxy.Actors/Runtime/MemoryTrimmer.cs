using Akka.Actor;
using Akka.Event;

namespace Proxy.Actors.Runtime;

/// <summary>
/// Gives memory back to the OS once a burst is over. Under connection churn the GC grows its budgets and
/// keeps the heap committed after the load stops; with no allocations afterwards no collection ever runs, so
/// the node stayed at 2–3× its idle RSS (scripts/churn-check.sh). Every few seconds this checks whether the
/// node has gone quiet (little allocated since the last check) after committed memory grew by more than
/// <see cref="GrowthBytes"/>, and then runs one aggressive, compacting collection that decommits the rest. It never
/// runs under load, so requests do not pay for it.
/// </summary>
public sealed class MemoryTrimmer : ReceiveActor, IWithTimers
{
    private sealed record Check
    {
        public static readonly Check Instance = new();
    }

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private const long QuietAllocationBytes = 2L * 1024 * 1024;
    private const long GrowthBytes = 8L * 1024 * 1024;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _allocatedAtLastCheck = GC.GetTotalAllocatedBytes();
    private long _committedAfterTrim;

    public MemoryTrimmer()
    {
        Receive<Check>(_ => OnCheck());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props() => Akka.Actor.Props.Create(() => new MemoryTrimmer());

    protected override void PreStart() => Timers.StartPeriodicTimer("check", Check.Instance, Interval);

    private void OnCheck()
    {
        var allocated = GC.GetTotalAllocatedBytes();
        var sinceLast = allocated - _allocatedAtLastCheck;
        _allocatedAtLastCheck = allocated;
        if (sinceLast > QuietAllocationBytes) return;

        // Without a full collection the live size is unknown (dead gen2 objects count as heap), so the test is
        // growth of committed memory since the last trim, which only a burst produces.
        var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        if (committed <= _committedAfterTrim + GrowthBytes) return;

        // Closed sockets are finalizable: a second pass, after their finalizers ran, frees what they held.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _committedAfterTrim = GC.GetGCMemoryInfo().TotalCommittedBytes;
        _allocatedAtLastCheck = GC.GetTotalAllocatedBytes();
        _log.Debug("Trimmed memory after a burst: committed {0} MiB -> {1} MiB", committed >> 20, _committedAfterTrim >> 20);
    }
}
