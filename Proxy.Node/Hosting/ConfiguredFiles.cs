using Akka.Configuration;
using Proxy.Actors.Limits;
using Proxy.Actors.Logging;
using Proxy.Actors.Persistence;
using Proxy.Actors.Tls;
using Proxy.Shared.Configuration;

namespace Proxy.Node.Hosting;

/// <summary>Opens the files (and the Redis connection) the config names before the node starts; one that cannot be
/// used is a config mistake naming the setting and the file (exit 2), not a failed start with a stack trace.</summary>
public static class ConfiguredFiles
{
    public static AccessLog OpenAccessLog(AccessLogSettings settings)
    {
        try
        {
            return AccessLog.Create(settings.Enabled, settings.Target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigFileException("proxy.access-log.target", $"{settings.Target}: {e.Message}", e);
        }
    }

    /// <summary><see cref="NodeHocon.Defaults"/>, which creates the SQLite journal's directory and file.</summary>
    public static Config NodeDefaults(ProxySettings settings)
    {
        try
        {
            return NodeHocon.Defaults(settings);
        }
        catch (JournalFileException e)
        {
            var path = settings.Persistence.ConnectionString is null ? "proxy.data-dir" : "proxy.persistence.connection-string";
            throw new ConfigFileException(path, $"{e.File}: {e.Reason}", e);
        }
    }

    /// <summary>As <see cref="ConnectRedis"/> without connecting (<c>--check</c>).</summary>
    public static void CheckRedisOptions(string connectionString)
    {
        try
        {
            RedisLeaseStore.ParseOptions(connectionString);
        }
        catch (ArgumentException e)
        {
            throw RedisOptionProblem(e);
        }
    }

    private static ConfigFileException RedisOptionProblem(ArgumentException e) =>
        new("proxy.redis", e.Message.Replace($" (Parameter '{e.ParamName}')", ""), e);

    /// <summary>A Redis option the client library refuses names <c>proxy.redis</c>; the message is the library's,
    /// which names the option, never the connection string (it may hold a password).</summary>
    public static RedisLeaseStore ConnectRedis(string connectionString)
    {
        try
        {
            return new RedisLeaseStore(connectionString);
        }
        catch (ArgumentException e)
        {
            throw RedisOptionProblem(e);
        }
    }

    /// <summary>Loads a TLS listener's certificates at start, so a bad PEM file (or chain) is a config mistake
    /// naming the listener's path and the file.</summary>
    public static CertificateStore LoadCertificates(ListenerSettings listener, int index)
    {
        try
        {
            return new CertificateStore(listener.Tls!);
        }
        catch (Exception e) when (e is global::System.Security.Cryptography.CryptographicException or IOException or ArgumentException)
        {
            throw new ConfigFileException($"proxy.listeners[{index}].tls.certificates",
                $"listener {listener.Name}: TLS certificate could not be loaded: {e.Message}", e);
        }
    }
}
