using Akka.Configuration;
using Akka.Dispatch;
using Akka.Streams.Stage;

namespace Proxy.Actors.Transport;

/// <summary>
/// Executor of the connection dispatcher (<c>proxy.connection-dispatcher</c>). When a socket completion of
/// ours wakes a connection actor, the actor runs right there on the I/O thread instead of being queued to the
/// thread pool: the event-loop model of nginx. Measured here (docs/BENCHMARKS.md), handing every completion
/// from the I/O thread to a pool worker cost ~1.8 context switches per proxied request, the largest single
/// cost on this 2-core VM. Everything else (timers, messages from other actors) is queued to the thread pool
/// as usual. Connection stages never block, so running them on the I/O thread is safe.
/// </summary>
public sealed class IoInlineExecutor : ExecutorService
{
    [ThreadStatic] private static bool _inlineAllowed;

    public IoInlineExecutor(string id) : base(id)
    {
    }

    /// <summary>Runs <paramref name="completion"/> (which wakes a connection actor) allowing that actor to run inline.</summary>
    public static void RunInline(Action completion)
    {
        var entered = Enter();
        try
        {
            completion();
        }
        finally
        {
            if (entered) _inlineAllowed = false;
        }
    }

    /// <summary>Runs <paramref name="wake"/> with <paramref name="signal"/> (a stage's async callback and what woke it)
    /// allowing the connection actor it wakes to run inline; one cached delegate serves every kind of completion.</summary>
    public static void RunInline(Action<object> wake, object signal)
    {
        var entered = Enter();
        try
        {
            wake(signal);
        }
        finally
        {
            if (entered) _inlineAllowed = false;
        }
    }

    /// <inheritdoc cref="RunInline(Action{object}, object)"/>
    public static void RunInline(IAsyncCallback<object> wake, object signal)
    {
        var entered = Enter();
        try
        {
            wake.Invoke(signal);
        }
        finally
        {
            if (entered) _inlineAllowed = false;
        }
    }

    /// <summary>Allows inline runs on this thread; false when they already were (a nested completion), which the
    /// outer one then ends.</summary>
    private static bool Enter()
    {
        if (_inlineAllowed) return false;
        _inlineAllowed = true;
        return true;
    }

    public override void Execute(IRunnable run)
    {
        if (_inlineAllowed)
        {
            // One actor at a time on this thread: anything it wakes in turn goes to the pool.
            _inlineAllowed = false;
            try
            {
                run.Run();
            }
            finally
            {
                _inlineAllowed = true;
            }
            return;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static r => r.Run(), run, preferLocal: false);
    }

    public override void Shutdown()
    {
    }
}

/// <summary>Plugs <see cref="IoInlineExecutor"/> into an Akka dispatcher (<c>executor = "…IoInlineExecutorConfigurator, Proxy.Actors"</c>).</summary>
public sealed class IoInlineExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : ExecutorServiceConfigurator(config, prerequisites)
{
    public override ExecutorService Produce(string id) => new IoInlineExecutor(id);
}
