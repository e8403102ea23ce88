using System.Text.Json;
using Proxy.Tests.Integration.Support;

namespace Proxy.Tests.Integration.Middleware;

/// <summary>A node's access log in a temporary directory, read line by line as JSON.</summary>
public sealed class AccessLogFile : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("proxy-access-").FullName;

    public string Path => System.IO.Path.Combine(_dir, "access.log");

    /// <summary>The <c>access-log { }</c> block that makes a node write here.</summary>
    public string Hocon => $$"""access-log { enabled = on, target = "{{Path}}" }""";

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Waits for <paramref name="count"/> lines and returns them.</summary>
    public async Task<List<JsonElement>> Lines(int count)
    {
        var lines = new List<JsonElement>();
        await Eventually.Holds(() =>
        {
            if (!File.Exists(Path)) return false;
            using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            lines = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
            return lines.Count >= count;
        }, TimeSpan.FromSeconds(5), $"{count} access-log lines");
        return lines;
    }
}
