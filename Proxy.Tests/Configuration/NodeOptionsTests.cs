using Proxy.Node.Hosting;
using Xunit;

namespace Proxy.Tests.Configuration;

public sealed class NodeOptionsTests
{
    [Fact]
    public void Defaults_AreALoopbackNodeThatFormsItsOwnCluster()
    {
        var options = NodeOptions.FromEnvironment(new Dictionary<string, string?>(), []);
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
        }, []);
        Assert.Equal("0.0.0.0", options.Hostname);
        Assert.Equal("node2", options.PublicHostname);
        Assert.Equal(4060, options.Port);
        Assert.Equal(["node1:4053", "node2:4053"], options.Seeds);
    }

    private static (NodeOptions Options, List<string> Problems) Read(params (string Name, string Value)[] env)
    {
        var problems = new List<string>();
        var options = NodeOptions.FromEnvironment(env.ToDictionary(e => e.Name, e => (string?)e.Value), problems);
        return (options, problems);
    }

    [Fact]
    public void NoSeedsAndNoDiscovery_FormsItsOwnCluster_AndSeedsAloneUseTheSeedList()
    {
        Assert.Equal(ClusterJoinMethod.Self, Read().Options.JoinMethod);
        Assert.Equal(ClusterJoinMethod.Seeds, Read(("PROXY_SEEDS", "a:1,b:2")).Options.JoinMethod);
    }

    [Fact]
    public void ContactPoints_MeanConfigDiscovery_RequiringEveryListedNode()
    {
        var (options, problems) = Read(("PROXY_CONTACT_POINTS", "127.0.0.1:8558, 127.0.0.1:8559,127.0.0.1:8560"), ("PROXY_MANAGEMENT_PORT", "8559"));
        Assert.Empty(problems);
        Assert.Equal(ClusterJoinMethod.BootstrapConfig, options.Formation.Method);
        Assert.Equal(["127.0.0.1:8558", "127.0.0.1:8559", "127.0.0.1:8560"], options.Formation.ContactPoints);
        Assert.Equal(3, options.Formation.RequiredContactPoints);
        Assert.Equal(8559, options.Formation.ManagementPort);
    }

    [Fact]
    public void Kubernetes_ReadsItsSelectorNamespaceAndRequiredCount()
    {
        var (options, problems) = Read(("PROXY_DISCOVERY", "kubernetes"), ("PROXY_K8S_LABEL_SELECTOR", "app=edge"),
            ("PROXY_K8S_NAMESPACE", "proxies"), ("PROXY_REQUIRED_CONTACT_POINTS", "3"));
        Assert.Empty(problems);
        Assert.Equal(ClusterJoinMethod.BootstrapKubernetes, options.Formation.Method);
        Assert.Equal("app=edge", options.Formation.KubernetesSelector);
        Assert.Equal("proxies", options.Formation.KubernetesNamespace);
        Assert.Equal(3, options.Formation.RequiredContactPoints);
        Assert.Equal(ClusterFormation.DefaultManagementPort, options.Formation.ManagementPort);
    }

    [Fact]
    public void Kubernetes_ApiTokenAndCaPaths_DefaultToTheLibrarys_AndAreReadWhenSet()
    {
        var (defaults, _) = Read(("PROXY_DISCOVERY", "kubernetes"));
        Assert.Null(defaults.Formation.KubernetesApiTokenPath);
        Assert.Null(defaults.Formation.KubernetesApiCaPath);
        Assert.Equal(ClusterFormation.DefaultKubernetesPortName, defaults.Formation.KubernetesPortName);

        var (options, problems) = Read(("PROXY_DISCOVERY", "kubernetes"), ("PROXY_K8S_API_TOKEN_PATH", " /var/run/proxy/token "),
            ("PROXY_K8S_API_CA_PATH", "/var/run/proxy/ca.crt"), ("PROXY_K8S_PORT_NAME", "mgmt"));
        Assert.Empty(problems);
        Assert.Equal("/var/run/proxy/token", options.Formation.KubernetesApiTokenPath);
        Assert.Equal("/var/run/proxy/ca.crt", options.Formation.KubernetesApiCaPath);
        Assert.Equal("mgmt", options.Formation.KubernetesPortName);

        // Blank means unset, as for every other variable.
        var (blank, _) = Read(("PROXY_DISCOVERY", "kubernetes"), ("PROXY_K8S_API_TOKEN_PATH", " "), ("PROXY_K8S_API_CA_PATH", ""));
        Assert.Null(blank.Formation.KubernetesApiTokenPath);
        Assert.Null(blank.Formation.KubernetesApiCaPath);
    }

    [Fact]
    public void Kubernetes_ApiPaths_AreNotReadWithConfigDiscovery()
    {
        var (options, _) = Read(("PROXY_CONTACT_POINTS", "a:1"), ("PROXY_K8S_API_TOKEN_PATH", "/t"), ("PROXY_K8S_API_CA_PATH", "/c"));
        Assert.Equal(ClusterJoinMethod.BootstrapConfig, options.Formation.Method);
        Assert.Null(options.Formation.KubernetesApiTokenPath);
        Assert.Null(options.Formation.KubernetesApiCaPath);
    }

    [Theory]
    [InlineData("PROXY_DISCOVERY=dns", "PROXY_DISCOVERY: 'dns' is not a discovery method; valid: config, kubernetes")]
    [InlineData("PROXY_DISCOVERY=config", "PROXY_CONTACT_POINTS: required with PROXY_DISCOVERY=config")]
    [InlineData("PROXY_CONTACT_POINTS=node1", "PROXY_CONTACT_POINTS: 'node1' is not host:port")]
    [InlineData("PROXY_CONTACT_POINTS=a:1,b:2|PROXY_SEEDS=a:4053", "PROXY_SEEDS: not used with PROXY_DISCOVERY/PROXY_CONTACT_POINTS")]
    [InlineData("PROXY_CONTACT_POINTS=a:1,b:2|PROXY_REQUIRED_CONTACT_POINTS=3", "PROXY_REQUIRED_CONTACT_POINTS: 3 is more than the 2 listed")]
    [InlineData("PROXY_CONTACT_POINTS=a:1|PROXY_REQUIRED_CONTACT_POINTS=0", "PROXY_REQUIRED_CONTACT_POINTS: '0' is not a whole number of 1 or more")]
    [InlineData("PROXY_CONTACT_POINTS=a:1|PROXY_MANAGEMENT_PORT=http", "PROXY_MANAGEMENT_PORT: 'http' is not a port")]
    [InlineData("PROXY_DISCOVERY=kubernetes|PROXY_CONTACT_POINTS=a:1", "PROXY_CONTACT_POINTS: only read with PROXY_DISCOVERY=config")]
    [InlineData("PROXY_PORT=4o53", "PROXY_PORT: '4o53' is not a port")]
    public void FormationMistakes_NameTheirVariable(string env, string problem)
    {
        var (_, problems) = Read(env.Split('|').Select(e => e.Split('=', 2)).Select(e => (e[0], e[1])).ToArray());
        Assert.Contains(problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    /// <summary>Issue 22: a seed without its port made a node that served traffic but never joined; every
    /// process variable is checked and its mistake names the variable (the node exits 2).</summary>
    [Theory]
    [InlineData("PROXY_SEEDS", "127.0.0.1", "PROXY_SEEDS: '127.0.0.1' is not host:port (every seed names its remoting port, e.g. 127.0.0.1:4053)")]
    [InlineData("PROXY_SEEDS", "node1:4053,node2", "PROXY_SEEDS: 'node2' is not host:port (every seed names its remoting port, e.g. 127.0.0.1:4053)")]
    [InlineData("PROXY_SEEDS", "node1:-1", "PROXY_SEEDS: 'node1:-1' is not host:port (every seed names its remoting port, e.g. 127.0.0.1:4053)")]
    [InlineData("PROXY_PORT", "36053x", "PROXY_PORT: '36053x' is not a port (0-65535)")]
    [InlineData("PROXY_PORT", "+4053", "PROXY_PORT: '+4053' is not a port (0-65535)")]
    [InlineData("PROXY_PORT", "70000", "PROXY_PORT: '70000' is not a port (0-65535)")]
    [InlineData("PROXY_TRANSPORT", "io", "PROXY_TRANSPORT: 'io' is not a transport (valid: sockets, akka-io)")]
    public void AMistakeInAProcessVariable_NamesTheVariable(string variable, string value, string expected) =>
        Assert.Equal([expected], Read((variable, value)).Problems);
}
