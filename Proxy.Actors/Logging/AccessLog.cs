using System.Text.Json;
using System.Threading.Channels;

namespace Proxy.Actors.Logging;

/// <summary>
/// Writes one JSON line per request to stdout or a file. Requests only enqueue (never block); one background
/// task serializes and flushes in batches. If the writer falls far behind, entries are dropped and counted
/// rather than slowing the data plane.
/// </summary>
public sealed class AccessLog : IAsyncDisposable
{
    private readonly Channel<AccessLogEntry>? _channel;
    private readonly Task _writer = Task.CompletedTask;
    private long _dropped;

    private AccessLog(Stream? output)
    {
        if (output is null) return;
        _channel = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(65_536)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
        _writer = Task.Run(() => WriteLoop(output));
    }

    public static AccessLog Disabled { get; } = new(null);

    /// <summary>"stdout" or a file path (appended).</summary>
    public static AccessLog Create(bool enabled, string target)
    {
        if (!enabled) return Disabled;
        var stream = target == "stdout"
            ? Console.OpenStandardOutput()
            : new FileStream(target, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1, useAsync: false);
        return new AccessLog(stream);
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>False when logging is off: callers skip building entries at all.</summary>
    public bool Enabled => _channel is not null;

    public void Write(AccessLogEntry entry)
    {
        if (_channel is null) return;
        if (!_channel.Writer.TryWrite(entry)) Interlocked.Increment(ref _dropped);
    }

    private async Task WriteLoop(Stream output)
    {
        var buffered = new BufferedStream(output, 64 * 1024);
        var json = new Utf8JsonWriter(buffered);
        var reader = _channel!.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var e))
                {
                    WriteEntry(json, e);
                    json.Flush();
                    json.Reset();
                    buffered.WriteByte((byte)'\n');
                }
                await buffered.FlushAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await buffered.FlushAsync().ConfigureAwait(false);
            if (output is FileStream) await output.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void WriteEntry(Utf8JsonWriter w, AccessLogEntry e)
    {
        w.WriteStartObject();
        w.WriteString("time", e.Time);
        w.WriteString("client", e.Client);
        w.WriteString("method", e.Method);
        w.WriteString("host", e.Host);
        w.WriteString("path", e.Path);
        w.WriteString("route", e.Route);
        w.WriteString("upstream", e.Upstream);
        w.WriteNumber("status", e.Status);
        w.WriteNumber("bytesIn", e.BytesIn);
        w.WriteNumber("bytesOut", e.BytesOut);
        w.WriteNumber("durationMs", Math.Round(e.DurationMs, 3));
        if (e.Error is not null) w.WriteString("error", e.Error);
        w.WriteEndObject();
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is null) return;
        _channel.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }
}
