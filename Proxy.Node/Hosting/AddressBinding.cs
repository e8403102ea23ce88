using System.Net.Sockets;
using Proxy.Actors.Transport;
using Proxy.Shared.Configuration;

namespace Proxy.Node.Hosting;

/// <summary>Binding a configured address, with a failure reported as a config mistake that names the setting and
/// the address (as nginx's <c>bind() to 127.0.0.1:8080 failed</c>): the node exits 2 instead of 1 with a bare
/// "Address already in use".</summary>
public static class AddressBinding
{
    public static T Bind<T>(string path, string address, Func<T> bind)
    {
        try
        {
            return bind();
        }
        catch (Exception e) when (Describe(e) is { } reason)
        {
            throw new ConfigFileException(path, $"{address}: {reason}", e);
        }
    }

    public static async Task<T> BindAsync<T>(string path, string address, Func<Task<T>> bind)
    {
        try
        {
            return await bind().ConfigureAwait(false);
        }
        catch (Exception e) when (Describe(e) is { } reason)
        {
            throw new ConfigFileException(path, $"{address}: {reason}", e);
        }
    }

    /// <summary>Binds <paramref name="address"/> once and lets it go: whether a start could bind it (<c>--check</c>, and
    /// the remoting port before Akka binds it). <paramref name="what"/> is added to the address in a problem.</summary>
    public static void Probe(string path, string address, string what = "") =>
        Bind(path, address + what, () =>
        {
            SocketAcceptLoop.Bind(EndpointParser.Parse(address), backlog: 1).Dispose();
            return 0;
        });

    /// <summary>What went wrong when <paramref name="e"/> is a bind failure (Kestrel wraps the socket error in an
    /// IOException or its AddressInUseException); null for anything else.</summary>
    public static string? Describe(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException s)
            {
                return s.SocketErrorCode switch
                {
                    SocketError.AddressAlreadyInUse => "address already in use",
                    SocketError.AddressNotAvailable => "address not available on this machine",
                    SocketError.AccessDenied => "permission denied (ports below 1024 need privileges)",
                    _ => null,
                };
            }
            if (e.GetType().Name == "AddressInUseException") return "address already in use";
        }
        return null;
    }
}
