using Microsoft.Data.Sqlite;

namespace Proxy.Tests.Integration.Support;

/// <summary>
/// Fresh data directories (SQLite journals) for nodes and actor systems under test, all below one directory
/// per test process that is removed when the process exits, so no journal outlives its test run.
/// </summary>
public static class TestDataDirectory
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), $"proxy-tests-{Environment.ProcessId}");

    static TestDataDirectory()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            // Pooled SQLite connections keep the files open.
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the temp directory is cleaned by the OS eventually.
            }
        };
    }

    /// <summary>A new, existing, empty directory.</summary>
    public static string Create()
    {
        var path = Path.Combine(Root, Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A HOCON string literal of <paramref name="path"/>.</summary>
    public static string Hocon(string path) => "\"" + path.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
