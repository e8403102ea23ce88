namespace Proxy.Shared.Configuration;

/// <summary>
/// The environment variables that configure a node by name, and the setting each one sets. They apply whatever
/// config file is used (the file need not mention them), above the file and below the <c>PROXY__A__B</c>
/// overrides: built-in defaults, then the file, then the environment. An empty value counts as unset.
/// </summary>
public static class NamedEnvironmentVariables
{
    /// <summary>Variable → path under <c>proxy</c>. The only list of them; README and OPERATIONS name the same.</summary>
    public static readonly IReadOnlyList<(string Variable, string Path)> All =
    [
        ("PROXY_ADMIN_TOKEN", "admin.token"),
        ("PROXY_DATA_DIR", "data-dir"),
        ("PROXY_DB_PROVIDER", "persistence.provider"),
        ("PROXY_DB", "persistence.connection-string"),
        ("PROXY_REDIS", "redis"),
    ];

    /// <summary>The variable that sets <c>proxy.PATH</c>, if one does (for messages: "set PROXY_DB").</summary>
    public static string? For(string path) => All.FirstOrDefault(v => v.Path == path).Variable;
}
