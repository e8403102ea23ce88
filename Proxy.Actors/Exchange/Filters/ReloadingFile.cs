using Proxy.Shared.Configuration;

namespace Proxy.Actors.Exchange.Filters;

/// <summary>
/// What a file (API keys, Basic users) parsed to, read again when its modification time or size changed — checked at
/// most once per <see cref="CheckInterval"/>, on the thread pool, so a request never waits for the disk: it uses what
/// was read last. A version that fails to read or parse keeps the previous one and is reported once.
/// </summary>
public sealed class ReloadingFile<T> where T : class
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>Turns the text into a value, or says why it cannot (without repeating the text).</summary>
    public delegate T? Parser(string text, out string? error);

    private readonly string _path;
    private readonly Parser _parse;
    private readonly Action<string>? _warn;
    private volatile T _current;
    private (DateTime Modified, long Length) _stamp;
    private long _nextCheck;
    private int _checking;

    /// <summary>Reads the file now; it was validated with the config, so a failure here is an exception.</summary>
    public ReloadingFile(string path, Parser parse, Action<string>? warn)
    {
        _path = path;
        _parse = parse;
        _warn = warn;
        _stamp = Stamp();
        _current = parse(BoundedFile.ReadAllText(path), out var error) ?? throw new InvalidOperationException($"{path}: {error}");
        _nextCheck = Environment.TickCount64 + (long)CheckInterval.TotalMilliseconds;
    }

    public T Current
    {
        get
        {
            if (Environment.TickCount64 >= Volatile.Read(ref _nextCheck) && Interlocked.Exchange(ref _checking, 1) == 0)
                ThreadPool.UnsafeQueueUserWorkItem(static file => file.Check(), this, preferLocal: false);
            return _current;
        }
    }

    private (DateTime, long) Stamp()
    {
        var info = new FileInfo(_path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
    }

    private void Check()
    {
        try
        {
            var stamp = Stamp();
            if (stamp == _stamp) return;
            _stamp = stamp;
            string text;
            try
            {
                text = BoundedFile.ReadAllText(_path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _warn?.Invoke($"{_path} changed but cannot be read ({e.Message}); the previous version stays in use");
                return;
            }
            if (_parse(text, out var error) is { } value) _current = value;
            else _warn?.Invoke($"{_path} changed but is not valid ({error}); the previous version stays in use");
        }
        finally
        {
            Volatile.Write(ref _nextCheck, Environment.TickCount64 + (long)CheckInterval.TotalMilliseconds);
            Volatile.Write(ref _checking, 0);
        }
    }
}
