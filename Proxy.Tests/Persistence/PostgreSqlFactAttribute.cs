using Npgsql;
using Xunit;

namespace Proxy.Tests.Persistence;

/// <summary>
/// A fact that needs the test PostgreSQL server: <c>PROXY_TEST_POSTGRES</c> (a connection string; scripts/test.sh
/// starts the machine's PostgreSQL and sets it) or the same default on 127.0.0.1:5432. Skipped, with the reason,
/// only when no server answers or <c>PROXY_TEST_POSTGRES=off</c>.
/// </summary>
public sealed class PostgreSqlFactAttribute : FactAttribute
{
    public const string Variable = "PROXY_TEST_POSTGRES";
    private const string DefaultConnectionString =
        "Host=127.0.0.1;Port=5432;Username=proxy_test;Password=proxy_test;Database=proxy_test";

    private static readonly Lazy<string?> Unavailable = new(Probe);

    public PostgreSqlFactAttribute()
    {
        if (Unavailable.Value is { } reason) Skip = reason;
    }

    public static string ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured
        ? configured
        : DefaultConnectionString;

    private static string? Probe()
    {
        if (ConnectionString == "off") return $"{Variable}=off";
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Timeout = 3 };
        try
        {
            using var connection = new NpgsqlConnection(builder.ConnectionString);
            connection.Open();
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return $"no PostgreSQL at {builder.Host}:{builder.Port} (database {builder.Database}, user {builder.Username}): " +
                   $"{e.Message.Split('\n')[0]} — scripts/test.sh starts the local one, or set {Variable}";
        }
    }
}
