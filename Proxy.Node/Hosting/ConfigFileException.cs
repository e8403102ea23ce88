namespace Proxy.Node.Hosting;

/// <summary>
/// A file or address the configuration names is unusable (a TLS certificate that is missing, unreadable or whose
/// chain does not link; a port already in use): a configuration mistake found while starting, reported with its
/// config path (or environment variable); the node exits with 2.
/// </summary>
public sealed class ConfigFileException(string path, string message, Exception? inner = null)
    : InvalidOperationException($"{path}: {message}", inner)
{
    /// <summary>The configuration path or variable of the setting (<c>proxy.listeners[0].tls.certificates</c>, <c>PROXY_PORT</c>).</summary>
    public string Path { get; } = path;

    /// <summary>What is wrong, without the path.</summary>
    public string Reason { get; } = message;
}
