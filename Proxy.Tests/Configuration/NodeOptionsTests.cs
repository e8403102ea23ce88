using Proxy.Node.Hosting;
using Xunit;

namespace Proxy.Tests.Configuration;

public sealed class NodeOptionsTests
{
    [Fact]
    public void Defaults_AreALoopbackNodeThatFormsItsOwnCluster()
    {
        var options = NodeOptions.FromEnvironment(new Dictionary<string, string?>());
        Assert.Equal("127.0.0.1", options.Hostname);
        Assert.Null(options.PublicHostname);
        Assert.Equal(4053, options.Port);
        Assert.Empty(options.Seeds);
    }

    [Fact]
    public void ContainerNodes_BindAllInterfaces_AndAdvertiseTheirServiceName()
    {
        var options = NodeOptions.FromEnvironment(new Dictionary<string, string?>
        {
            ["PROXY_HOSTNAME"] = "0.0.0.0",
            ["PROXY_PUBLIC_HOSTNAME"] = " node2 ",
            ["PROXY_PORT"] = "4060",
            ["PROXY_SEEDS"] = "node1:4053, node2:4053,",
        });
        Assert.Equal("0.0.0.0", options.Hostname);
        Assert.Equal("node2", options.PublicHostname);
        Assert.Equal(4060, options.Port);
        Assert.Equal(["node1:4053", "node2:4053"], options.Seeds);
    }
}
