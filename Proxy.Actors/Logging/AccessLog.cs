using System.Text.Json;
using System.Threading.Channels;

namespace Proxy.Actors.Logging;

/// <summary>
/// Writes one JSON line per request to stdout or a file. Requests only enqueue (never block); one background
/// task serializes and flushes in batches. If the writer falls far behind, entries are dropped and counted
/// rather than slowing the data plane; the count is reported at most once a minute (<see cref="ReportDropsTo"/>).
/// A file is reopened on request (<see cref="RequestReopen"/>: SIGUSR1 or the admin API), so logrotate can rename it
/// without <c>copytruncate</c>, as with nginx.
/// </summary>
public sealed class AccessLog : IAsyncDisposable
{
    private static readonly TimeSpan DropReportInterval = TimeSpan.FromMinutes(1);
    private readonly Channel<AccessLogEntry>? _channel;
    private readonly Task _writer = Task.CompletedTask;
    private readonly string? _file;
    private long _dropped;
    private int _reopen;
    private volatile Action<long>? _reportDrops;

    private AccessLog(Stream? output, string? file = null)
    {
        _file = file;
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
        return target == "stdout" ? new AccessLog(Console.OpenStandardOutput()) : new AccessLog(OpenFile(target), target);
    }

    private static FileStream OpenFile(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, useAsync: false);

    /// <summary>Asks the writer to close the file and open it again by its path before its next batch (the renamed
    /// file keeps everything written before). False when the log is off or goes to stdout.</summary>
    public bool RequestReopen()
    {
        if (_file is null || _channel is null) return false;
        Volatile.Write(ref _reopen, 1);
        return true;
    }

    /// <summary>The file the log is appended to; null for stdout or off.</summary>
    public string? File => _channel is null ? null : _file;

    /// <summary>Where dropped entries are reported: called with the number dropped since the last report, at most once
    /// a minute (the node logs a warning).</summary>
    public void ReportDropsTo(Action<long> report) => _reportDrops = report;

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
        long reported = 0;
        var lastReport = DateTime.MinValue;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                if (Interlocked.Exchange(ref _reopen, 0) == 1 && _file is not null)
                {
                    try
                    {
                        var reopened = OpenFile(_file);
                        await buffered.FlushAsync().ConfigureAwait(false);
                        await output.DisposeAsync().ConfigureAwait(false);
                        (output, buffered) = (reopened, new BufferedStream(reopened, 64 * 1024));
                        json = new Utf8JsonWriter(buffered);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // Keep writing to the open file; a later request may succeed.
                    }
                }
                var dropped = Interlocked.Read(ref _dropped);
                if (dropped > reported && DateTime.UtcNow - lastReport >= DropReportInterval && _reportDrops is { } report)
                {
                    report(dropped - reported);
                    (reported, lastReport) = (dropped, DateTime.UtcNow);
                }
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
        if (e.RequestId is not null) w.WriteString("requestId", e.RequestId);
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
