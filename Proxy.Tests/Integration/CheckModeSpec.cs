using System.Net;
using System.Net.Sockets;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>Issue 22, point 3: <c>Proxy.Node --check</c> does what a start does short of serving and joining, prints
/// OK or every problem, and exits 0 or 2 — like <c>nginx -t</c>.</summary>
public class CheckModeSpec
{
    private static string[] Args(string config)
    {
        var path = Path.Combine(Path.GetTempPath(), $"proxy-check-{Guid.NewGuid():N}.hocon");
        File.WriteAllText(path, config);
        return ["--check", "--config", path];
    }

    [Fact]
    public async Task AGoodConfig_IsOK_Exit0_AndLeavesNothingBound()
    {
        var (port, admin) = (PortFinder.Free(), PortFinder.Free());
        await using var node = NodeProcess.StartWithArgs(Args($$"""
            proxy {
              listeners = [ { name = public, address = "127.0.0.1:{{port}}" } ]
              admin { address = "127.0.0.1:{{admin}}" }
              pools { api { policy = least-requests, backends = [ "127.0.0.1:9", { address = "127.0.0.1:10", weight = 2 } ] } }
              routes = [ { name = r, match { host = "api.example.com:8080" }, pool = api } ]
            }
            """));
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("configuration OK", node.Stdout);
        foreach (var p in new[] { port, admin })
        {
            using var probe = new TcpListener(IPAddress.Loopback, p);
            probe.Start(); // throws if the check left the address bound
        }
    }

    [Fact]
    public async Task ABadConfig_ListsEveryProblemAtOnce_Exit2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;
        var file = Path.GetTempFileName(); // a path under a regular file cannot be created
        await using var node = NodeProcess.StartWithArgs(Args($$"""
            proxy {
              listeners = [
                { name = public, address = "127.0.0.1:{{takenPort}}" }
                { name = secure, address = "127.0.0.1:0", tls { certificates = [ { cert = "/nonexistent/site.pem", key = "/nonexistent/site.key" } ] } }
              ]
              admin { address = "127.0.0.1:0" }
              access-log { enabled = on, target = "{{file}}/access.log" }
              pools { api { backends = [ "127.0.0.1:9" ] } }
              routes = [ { name = r, pool = api } ]
            }
            """));
        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"proxy.listeners[0].address: 127.0.0.1:{takenPort}: address already in use", node.Stderr);
        Assert.Contains("proxy.listeners[1].tls.certificates: listener secure: TLS certificate could not be loaded", node.Stderr);
        Assert.Contains($"proxy.access-log.target: {file}/access.log: ", node.Stderr);
        Assert.DoesNotContain("configuration OK", node.Stdout);
    }

    [Fact]
    public async Task AnInvalidConfig_ReportsItsProblems_Exit2()
    {
        await using var node = NodeProcess.StartWithArgs(Args("""
            proxy {
              listeners = [ { name = public, address = "127.0.0.1:0" } ]
              timeouts { idle = 30 }
              pools { api { backends = [ "127.0.0.1:9" ] } }
              routes = [ { name = r, pool = nowhere } ]
            }
            """));
        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("proxy.timeouts.idle: '30' has no unit", node.Stderr);
        Assert.Contains("proxy.routes[0].pool: no pool named 'nowhere'", node.Stderr);
    }
}
