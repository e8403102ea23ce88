namespace Proxy.Actors.Persistence;

/// <summary>The database a node's journal and snapshot store use.</summary>
/// <param name="ProviderName">The linq2db provider name (<c>LinqToDB.ProviderName</c>), e.g. "SQLite.MS".</param>
/// <param name="ConnectionString">ADO.NET connection string (may hold a password: never log it).</param>
/// <param name="Parallelism">Concurrent journal writers.</param>
public sealed record PersistenceTarget(string ProviderName, string ConnectionString, int Parallelism);
