namespace Proxy.Actors.Persistence;

/// <summary>The SQLite journal file (under <c>proxy.data-dir</c>) cannot be created or opened.</summary>
public sealed class JournalFileException(string file, string reason, Exception inner)
    : IOException($"cannot open the SQLite journal {file}: {reason}", inner)
{
    public string File { get; } = file;
    public string Reason { get; } = reason;
}
