using Akka.Configuration;
using Akka.Persistence.Sql;
using LinqToDB;
using Microsoft.Data.Sqlite;
using Proxy.Shared.Configuration;

namespace Proxy.Actors.Persistence;

/// <summary>
/// The Akka.Persistence.Sql journal and snapshot store of a node, from <c>proxy.data-dir</c> and
/// <c>proxy.persistence</c>: a SQLite file (default <c>&lt;data-dir&gt;/proxy.db</c>) or PostgreSQL, made the
/// default plugins, tables created on first use. Events are written by the serializer their type is bound to
/// (<c>ProxyJsonSerializer</c> for every cluster message), so rows hold JSON under our manifests.
/// </summary>
public static class PersistenceHocon
{
    public const string JournalPluginId = SqlPersistence.JournalConfigPath;
    public const string SnapshotStorePluginId = SqlPersistence.SnapshotStoreConfigPath;
    public const string SqliteFileName = "proxy.db";

    /// <summary>
    /// Busy timeout of the SQLite connections, in seconds. The nodes of a local cluster share one file and SQLite
    /// lets one writer in at a time; Microsoft.Data.Sqlite retries a locked database until this many seconds
    /// have passed (its <c>Default Timeout</c>, which is also the command timeout) instead of failing the write.
    /// </summary>
    public const int SqliteBusyTimeoutSeconds = 30;

    /// <summary>
    /// The node's persistence config (with the plugins' own defaults as fallback). For SQLite this creates the
    /// data directory and switches the file to WAL (<see cref="SqliteJournalFile.Prepare"/>).
    /// </summary>
    public static Config Create(ProxySettings settings) => Create(settings, Environment.CurrentDirectory);

    /// <inheritdoc cref="Create(ProxySettings)"/>
    /// <param name="workingDirectory">What a relative <c>data-dir</c> is resolved against.</param>
    public static Config Create(ProxySettings settings, string workingDirectory)
    {
        var target = Resolve(settings, workingDirectory);
        if (settings.Persistence.Provider == PersistenceProvider.Sqlite) SqliteJournalFile.Prepare(target.ConnectionString);
        return ConfigurationFactory.ParseString(Render(target)).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>Where the journal goes: provider, connection string and writer parallelism (no I/O).</summary>
    public static PersistenceTarget Resolve(ProxySettings settings, string workingDirectory) =>
        settings.Persistence.Provider switch
        {
            // One writer at a time is all SQLite allows: more parallel writers only wait on each other's lock.
            PersistenceProvider.Sqlite => new PersistenceTarget(ProviderName.SQLiteMS,
                settings.Persistence.ConnectionString ?? DefaultSqliteConnectionString(settings.DataDir, workingDirectory),
                Parallelism: 1),
            PersistenceProvider.PostgreSql => new PersistenceTarget(ProviderName.PostgreSQL15,
                settings.Persistence.ConnectionString
                ?? throw new ArgumentException("PostgreSQL persistence needs proxy.persistence.connection-string"),
                Parallelism: 3),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Persistence.Provider, "unknown persistence provider"),
        };

    /// <summary><c>Data Source=&lt;absolute data-dir&gt;/proxy.db</c> with a busy timeout and pooled connections.</summary>
    public static string DefaultSqliteConnectionString(string dataDir, string workingDirectory) =>
        new SqliteConnectionStringBuilder
        {
            DataSource = Path.GetFullPath(Path.Combine(workingDirectory, dataDir, SqliteFileName)),
            DefaultTimeout = SqliteBusyTimeoutSeconds,
            // Akka.Persistence.Sql opens a connection per batch; the pool keeps the file open between batches.
            Pooling = true,
        }.ToString();

    /// <summary>The HOCON text for <paramref name="target"/> (without the plugins' defaults).</summary>
    public static string Render(PersistenceTarget target) => $$"""
        akka.persistence {
          journal {
            plugin = "{{JournalPluginId}}"
            sql {
              provider-name = {{Quote(target.ProviderName)}}
              connection-string = {{Quote(target.ConnectionString)}}
              parallelism = {{target.Parallelism}}
              auto-initialize = on
            }
          }
          snapshot-store {
            plugin = "{{SnapshotStorePluginId}}"
            sql {
              provider-name = {{Quote(target.ProviderName)}}
              connection-string = {{Quote(target.ConnectionString)}}
              auto-initialize = on
            }
          }
        }
        """;

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
