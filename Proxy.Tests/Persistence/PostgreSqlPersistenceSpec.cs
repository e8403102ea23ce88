using Proxy.Actors.Persistence;
using Proxy.Shared.Cluster;
using Proxy.Shared.Pools;
using Xunit;

namespace Proxy.Tests.Persistence;

/// <summary>The journal on a real PostgreSQL server (the Compose cluster's store).</summary>
public sealed class PostgreSqlPersistenceSpec
{
    [PostgreSqlFact]
    public async Task EventsPersistedByOneSystem_AreRecoveredTyped_ByTheNextSystem()
    {
        // The database outlives test runs: a fresh persistence id per run.
        var persistenceId = $"backend-pool-pg-{Guid.NewGuid():N}";
        IBackendPoolEvent[] changes = [new BackendDrained("127.0.0.1:9001"), new BackendWeightChanged("127.0.0.1:9002", 7)];
        var settings = PersistenceSystems.PostgreSql(PostgreSqlFactAttribute.ConnectionString);
        Assert.Equal("PostgreSQL.15", PersistenceHocon.Resolve(settings, "/").ProviderName);

        var first = PersistenceSystems.Start("pg-first", settings, "/");
        try
        {
            await PersistenceSystems.AppendAsync(first, persistenceId, changes);
        }
        finally
        {
            await first.Terminate();
        }

        var second = PersistenceSystems.Start("pg-second", settings, "/");
        try
        {
            var recovered = await PersistenceSystems.RecoverAsync(second, persistenceId);
            Assert.Empty(recovered.Unexpected);
            Assert.Equal(changes.Cast<IClusterMessage>(), recovered.Recovered);
        }
        finally
        {
            await second.Terminate();
        }
    }
}
