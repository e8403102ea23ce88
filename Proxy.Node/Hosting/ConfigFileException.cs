namespace Proxy.Node.Hosting;

/// <summary>
/// A file the configuration names is unusable (a TLS certificate that is missing, unreadable or whose chain does
/// not link): a configuration mistake found while starting, reported with its config path; the node exits with 2.
/// </summary>
public sealed class ConfigFileException(string path, string message, Exception? inner = null)
    : InvalidOperationException($"{path}: {message}", inner)
{
    /// <summary>The configuration path of the setting that names the file (<c>proxy.listeners[0].tls.certificates</c>).</summary>
    public string Path { get; } = path;
}
