using System.Net;

namespace Proxy.Shared.Configuration;

/// <summary>Turns a validated listen address ("host:port") into an endpoint to bind.</summary>
public static class EndpointParser
{
    /// <summary>"0.0.0.0"/"*" bind every IPv4 address, "[::]" every address, "localhost" the loopback.</summary>
    public static IPEndPoint Parse(string address)
    {
        if (!HostPort.TryParse(address, 0, out var hp, out var error)) throw new FormatException(error);
        var ip = hp.Host switch
        {
            "*" => IPAddress.Any,
            "localhost" => IPAddress.Loopback,
            _ => IPAddress.TryParse(hp.Host, out var parsed) ? parsed : Dns.GetHostAddresses(hp.Host)[0],
        };
        return new IPEndPoint(ip, hp.Port);
    }
}
