using Microsoft.Data.Sqlite;

namespace Proxy.Actors.Persistence;

/// <summary>Gets a SQLite journal file ready before the ActorSystem starts.</summary>
public static class SqliteJournalFile
{
    /// <summary>
    /// Creates the file's directory and switches the database to write-ahead logging. WAL cannot be asked for
    /// in a Microsoft.Data.Sqlite connection string, but it is a property of the file, so setting it once holds
    /// for every connection and process: readers (an entity's recovery on one node) then no longer block the
    /// writer (another node persisting an admin change) nor the other way round; writers still take turns,
    /// which the busy timeout of the connection string absorbs. In-memory databases are left alone.
    /// </summary>
    public static void Prepare(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.Mode == SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:") return;
        var file = Path.GetFullPath(builder.DataSource);
        try
        {
            if (Path.GetDirectoryName(file) is { Length: > 0 } directory) Directory.CreateDirectory(directory);
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL;";
            command.ExecuteScalar();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException)
        {
            throw new JournalFileException(file, e.Message, e);
        }
    }
}
