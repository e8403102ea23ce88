using System.Net;
using System.Net.Sockets;

namespace Proxy.Tests.Integration.Support;

/// <summary>Free loopback ports for processes that must be told their port up front.</summary>
public static class PortFinder
{
    public static int Free()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
