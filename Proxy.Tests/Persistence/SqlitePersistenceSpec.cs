using Microsoft.Data.Sqlite;
using Proxy.Actors.Persistence;
using Proxy.Actors.Serialization;
using Proxy.Shared.Cluster;
using Proxy.Shared.Pools;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Persistence;

/// <summary>The node's SQLite journal (real files in a temporary directory).</summary>
public sealed class SqlitePersistenceSpec
{
    private static readonly IBackendPoolEvent[] AdminChanges =
    [
        new BackendDrained("127.0.0.1:9001"),
        new BackendWeightChanged("127.0.0.1:9002", 3),
        new BackendUndrained("127.0.0.1:9001"),
    ];

    [Fact]
    public async Task EventsPersistedByOneSystem_AreRecoveredTyped_ByTheNextSystemOnTheSameFile()
    {
        var workingDirectory = TestDataDirectory.Create();
        var settings = PersistenceSystems.Sqlite("data");

        var first = PersistenceSystems.Start("first", settings, workingDirectory);
        try
        {
            await PersistenceSystems.AppendAsync(first, "backend-pool-api", AdminChanges);
        }
        finally
        {
            await first.Terminate();
        }

        var second = PersistenceSystems.Start("second", settings, workingDirectory);
        try
        {
            var recovered = await PersistenceSystems.RecoverAsync(second, "backend-pool-api");
            Assert.Empty(recovered.Unexpected);
            Assert.Equal(AdminChanges.Cast<IClusterMessage>(), recovered.Recovered);
        }
        finally
        {
            await second.Terminate();
        }
        Assert.True(File.Exists(Path.Combine(workingDirectory, "data", PersistenceHocon.SqliteFileName)));
    }

    [Fact]
    public async Task JournalRows_HoldOurJsonUnderOurManifests()
    {
        var dataDir = TestDataDirectory.Create();
        var system = PersistenceSystems.Start("rows", PersistenceSystems.Sqlite(dataDir), "/");
        try
        {
            await PersistenceSystems.AppendAsync(system, "backend-pool-rows", [new BackendDrained("127.0.0.1:9001")]);
        }
        finally
        {
            await system.Terminate();
        }

        await using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, PersistenceHocon.SqliteFileName)};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT manifest, identifier, message FROM journal WHERE persistence_id = 'backend-pool-rows'";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("pool.ev.drained", reader.GetString(0));
        Assert.Equal(ProxyJsonSerializer.Id, reader.GetInt32(1));
        Assert.Equal("{\"address\":\"127.0.0.1:9001\"}", System.Text.Encoding.UTF8.GetString((byte[])reader.GetValue(2)));
    }

    [Fact]
    public async Task TwoSystemsWritingToOneFileAtOnce_BothSucceed()
    {
        // The nodes of a local cluster share one SQLite file: each writes its own entities' events.
        var dataDir = TestDataDirectory.Create();
        var settings = PersistenceSystems.Sqlite(dataDir);
        var a = PersistenceSystems.Start("node-a", settings, "/");
        var b = PersistenceSystems.Start("node-b", settings, "/");
        var events = Enumerable.Range(1, 40).Select(i => (IBackendPoolEvent)new BackendWeightChanged("127.0.0.1:9001", i)).ToArray();
        try
        {
            var writers = new List<Task>();
            for (var entity = 0; entity < 3; entity++)
            {
                writers.Add(PersistenceSystems.AppendAsync(a, $"backend-pool-a{entity}", events));
                writers.Add(PersistenceSystems.AppendAsync(b, $"backend-pool-b{entity}", events));
            }
            await Task.WhenAll(writers);
        }
        finally
        {
            await Task.WhenAll(a.Terminate(), b.Terminate());
        }

        var reader = PersistenceSystems.Start("reader", settings, "/");
        try
        {
            foreach (var id in new[] { "backend-pool-a0", "backend-pool-a2", "backend-pool-b0", "backend-pool-b2" })
                Assert.Equal(events.Cast<IClusterMessage>(), (await PersistenceSystems.RecoverAsync(reader, id)).Recovered);
        }
        finally
        {
            await reader.Terminate();
        }
    }

    [Fact]
    public void DefaultDatabase_IsProxyDbInTheDataDir_ResolvedFromTheWorkingDirectory_CreatedAndInWalMode()
    {
        var workingDirectory = TestDataDirectory.Create();

        var target = PersistenceHocon.Resolve(PersistenceSystems.Sqlite("state/db"), workingDirectory);
        PersistenceHocon.Create(PersistenceSystems.Sqlite("state/db"), workingDirectory);

        var file = Path.Combine(workingDirectory, "state", "db", "proxy.db");
        Assert.Equal("SQLite.MS", target.ProviderName);
        Assert.Equal(1, target.Parallelism);
        var builder = new SqliteConnectionStringBuilder(target.ConnectionString);
        Assert.Equal(file, builder.DataSource);
        Assert.Equal(PersistenceHocon.SqliteBusyTimeoutSeconds, builder.DefaultTimeout);
        Assert.True(File.Exists(file));
        using var connection = new SqliteConnection(target.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    [Fact]
    public void Hocon_MakesTheSqlPluginsTheDefault_WithOneWriterForSqlite_AndTheirOwnDefaultsAsFallback()
    {
        var config = PersistenceHocon.Create(PersistenceSystems.Sqlite(TestDataDirectory.Create()), "/");

        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", config.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal(1, config.GetInt("akka.persistence.journal.sql.parallelism"));
        Assert.True(config.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
        Assert.True(config.GetBoolean("akka.persistence.snapshot-store.sql.auto-initialize"));
        Assert.Equal("Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql", config.GetString("akka.persistence.journal.sql.class"));
    }

    [Fact]
    public void DataDirThatCannotBeCreated_FailsWithAJournalFileErrorNamingTheFile()
    {
        var blocker = Path.Combine(TestDataDirectory.Create(), "a-file");
        File.WriteAllText(blocker, "not a directory");

        var error = Assert.Throws<JournalFileException>(() => PersistenceHocon.Create(PersistenceSystems.Sqlite(Path.Combine(blocker, "data")), "/"));

        // The node names the setting (proxy.data-dir) when it reports this: ConfigMistakesSpec "data dir under a file".
        Assert.Equal(Path.Combine(blocker, "data", "proxy.db"), error.File);
        Assert.Contains(Path.Combine(blocker, "data", "proxy.db"), error.Message, StringComparison.Ordinal);
    }
}
