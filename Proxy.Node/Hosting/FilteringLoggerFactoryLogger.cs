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
    private readonly ILogger _logger;
    private readonly LogFilterEvaluator _filter = Context.System.Settings.LogFilter;

    public FilteringLoggerFactoryLogger()
    {
        var setup = Context.System.Settings.Setup.Get<LoggerFactorySetup>();
        if (!setup.HasValue)
            throw new ConfigurationException($"{nameof(FilteringLoggerFactoryLogger)} needs the {nameof(LoggerFactorySetup)} Akka.Hosting adds");
        _logger = setup.Value.LoggerFactory.CreateLogger<ActorSystem>();
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent e:
                if (_filter.ShouldTryKeepMessage(e, out _)) _logger.Log(ToLevel(e.LogLevel()), "{AkkaEvent}", e.ToString());
                return true;
            default:
                return false;
        }
    }

    private static Microsoft.Extensions.Logging.LogLevel ToLevel(Akka.Event.LogLevel level) => level switch
    {
        Akka.Event.LogLevel.DebugLevel => Microsoft.Extensions.Logging.LogLevel.Debug,
        Akka.Event.LogLevel.InfoLevel => Microsoft.Extensions.Logging.LogLevel.Information,
        Akka.Event.LogLevel.WarningLevel => Microsoft.Extensions.Logging.LogLevel.Warning,
        _ => Microsoft.Extensions.Logging.LogLevel.Error,
    };
}
