using System.Text;
using System.Text.Json;
using Proxy.Shared.Configuration;

namespace Proxy.Node.Hosting;

/// <summary>Akka's fallback logger lines, rewritten line by line in the node's format onto another writer.
/// Hand-written: no library turns them into Microsoft.Extensions.Logging's shape after that logger is gone; this
/// writes the same fields (JSON: Timestamp, LogLevel, Category, Message; text: time, level, category, message).</summary>
public sealed class AkkaFallbackLines(TextWriter stderr, LogFormat format) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value == '\n') Flush();
        else if (value != '\r') _line.Append(value);
    }

    public override void Flush()
    {
        if (_line.Length == 0) return;
        var line = _line.ToString();
        _line.Clear();
        var level = LevelOf(line);
        var text = WithoutAkkaPrefix(line);
        if (format == LogFormat.Text)
        {
            var shortLevel = level switch { "Error" => "fail", "Warning" => "warn", "Debug" => "dbug", _ => "info" };
            stderr.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {shortLevel}: Akka[0] {text}");
            return;
        }
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("Timestamp", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("LogLevel", level);
            json.WriteString("Category", "Akka");
            json.WriteString("Message", text);
            json.WriteEndObject();
        }
        stderr.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>"[INFO][date][Thread 0025][source] message" → "[source] message", as the node's logger writes
    /// Akka's events (one timestamp, one level).</summary>
    private static string WithoutAkkaPrefix(string line)
    {
        var at = 0;
        for (var group = 0; group < 3 && at < line.Length && line[at] == '['; group++)
        {
            var close = line.IndexOf(']', at);
            if (close < 0) return line;
            at = close + 1;
        }
        return line[at..];
    }

    /// <summary>Akka's fallback lines start with [DEBUG], [INFO], [WARNING] or [ERROR].</summary>
    private static string LevelOf(string line) =>
        line.StartsWith("[ERROR]", StringComparison.Ordinal) ? "Error"
        : line.StartsWith("[WARNING]", StringComparison.Ordinal) ? "Warning"
        : line.StartsWith("[DEBUG]", StringComparison.Ordinal) ? "Debug"
        : "Information";
}
