using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Logging;

namespace Proxy.Node.Hosting;

/// <summary>
/// The Akka logger of the node: Akka's log events to Microsoft.Extensions.Logging (one line on stderr each), after
/// the system's log filters (<c>LogFilterSetup</c>, e.g. <see cref="PlannedLeaveLogFilter"/>).
/// </summary>
/// <remarks>
/// Hand-written because Akka.Hosting's <c>LoggerFactoryLogger</c> (1.5.73) forwards every event without asking the
/// filters; otherwise the same: the factory comes from the <see cref="LoggerFactorySetup"/> Akka.Hosting adds.
/// </remarks>
public sealed class FilteringLoggerFactoryLogger : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly ILoggerFactory _factory;
    private readonly LogFilterEvaluator _filter = Context.System.Settings.LogFilter;
    // One logger per class that logs: a bounded set (the factory caches its loggers for good, so actor paths,
    // unbounded with per-connection actors, go into the message instead).
    private readonly Dictionary<Type, ILogger> _loggers = [];

    public FilteringLoggerFactoryLogger()
    {
        var setup = Context.System.Settings.Setup.Get<LoggerFactorySetup>();
        if (!setup.HasValue)
            throw new ConfigurationException($"{nameof(FilteringLoggerFactoryLogger)} needs the {nameof(LoggerFactorySetup)} Akka.Hosting adds");
        _factory = setup.Value.LoggerFactory;
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent e:
                if (_filter.ShouldTryKeepMessage(e, out _)) Log(e);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The event's own text and exception, with the logging class as the category and the actor path in front
    /// of the message: no second timestamp, level or thread (what <c>LogEvent.ToString()</c> adds).</summary>
    private void Log(LogEvent e)
    {
        var type = e.LogClass ?? typeof(ActorSystem);
        if (!_loggers.TryGetValue(type, out var logger)) _loggers[type] = logger = _factory.CreateLogger(type.FullName ?? type.Name);
        var cause = e is Error error ? error.Cause : e is Warning warning ? warning.Cause : null;
        logger.Log(ToLevel(e.LogLevel()), cause, "[{AkkaSource}] {Message}", e.LogSource, e.Message?.ToString() ?? "");
    }

    private static Microsoft.Extensions.Logging.LogLevel ToLevel(Akka.Event.LogLevel level) => level switch
    {
        Akka.Event.LogLevel.DebugLevel => Microsoft.Extensions.Logging.LogLevel.Debug,
        Akka.Event.LogLevel.InfoLevel => Microsoft.Extensions.Logging.LogLevel.Information,
        Akka.Event.LogLevel.WarningLevel => Microsoft.Extensions.Logging.LogLevel.Warning,
        _ => Microsoft.Extensions.Logging.LogLevel.Error,
    };
}
