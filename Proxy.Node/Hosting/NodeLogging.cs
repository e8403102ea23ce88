using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Proxy.Shared.Configuration;

namespace Proxy.Node.Hosting;

/// <summary>The node's one log format (issue 21, point 4): every line on stderr, as text or one JSON object per line
/// (<c>log-format</c>), whichever host writes it — the node's, the admin listener's — and Akka's own fallback logger.</summary>
public static class NodeLogging
{
    public static void Add(ILoggingBuilder logging, LogFormat format, LogLevel minimum)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(minimum);
        if (format == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
        // stdout carries the access log only.
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o =>
            o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    /// <summary>Akka prints through its fallback logger to <see cref="Console.Out"/> before the node's logger starts
    /// and after it stops ("Remoting shut down" on some stops, although <c>stdout-loglevel = OFF</c>). The access
    /// log writes to the raw stdout stream, so Console.Out can be pointed at stderr, each line in the node's format.</summary>
    public static void RouteConsoleOutToStderr(LogFormat format) =>
        Console.SetOut(TextWriter.Synchronized(new AkkaFallbackLines(Console.Error, format)));
}
