using System.Text.RegularExpressions;
using Proxy.Shared.Configuration;
using Proxy.Tests.Integration.Support;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Proxy.Tests.Configuration;

/// <summary>
/// docker-compose.cluster.yml stays in step with examples/cluster.hocon and the Dockerfile: every node's
/// environment loads the config without a problem, and the addresses in it point at services and ports that
/// the file really has. (No Docker engine runs here; <c>docker-compose config</c> in scripts/test.sh checks the
/// syntax where that tool is installed.)
/// </summary>
public sealed partial class ComposeFileSpec
{
    private static readonly string Root = Repository.Root;
    private static readonly YamlMappingNode Services = LoadServices();

    private static YamlMappingNode LoadServices()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.cluster.yml"));
        yaml.Load(reader);
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    private static IEnumerable<string> NodeNames() =>
        Services.Children.Keys.Cast<YamlScalarNode>().Select(k => k.Value!).Where(n => n.StartsWith("node", StringComparison.Ordinal));

    /// <summary>The service's environment with ${VAR:-default} taken as the default and ${VAR:?msg} as a test value.</summary>
    private static Dictionary<string, string?> Environment(string service) =>
        ((YamlMappingNode)Service(service)["environment"]).Children.ToDictionary(
            kv => ((YamlScalarNode)kv.Key).Value!,
            kv => (string?)Interpolation().Replace(((YamlScalarNode)kv.Value).Value!, m => m.Groups["op"].Value == ":-" ? m.Groups["rest"].Value : "test-value"));

    [GeneratedRegex(@"\$\{(?<name>[A-Z_]+)(?<op>:-|:\?)(?<rest>[^}]*)\}")]
    private static partial Regex Interpolation();

    private static int ContainerPortPublishedFor(string service, int containerPort) =>
        ((YamlSequenceNode)Service(service)["ports"]).Children.Cast<YamlScalarNode>()
            .Select(p => p.Value!.Split(':'))
            .Where(parts => parts.Length == 3 && parts[0] == "127.0.0.1" && int.Parse(parts[2]) == containerPort)
            .Select(parts => int.Parse(parts[1])).Single();

    private static HostPort Parse(string text)
    {
        Assert.True(HostPort.TryParse(text, 1, out var hp, out var error), error);
        return hp;
    }

    [Fact]
    public void ThreeNodes_TwoBackends_PostgreSql_AndRedis()
    {
        Assert.Equal(["node1", "node2", "node3"], NodeNames());
        foreach (var name in new[] { "postgres", "redis", "backend-a", "backend-b" }) Assert.True(Services.Children.ContainsKey(name), name);
        Assert.Contains("examples/cluster.hocon", File.ReadAllText(Path.Combine(Root, "Dockerfile")));
        Assert.Matches(@"(?m)^USER \$APP_UID$", File.ReadAllText(Path.Combine(Root, "Dockerfile")));
    }

    public static TheoryData<string> Nodes() => new(NodeNames());

    [Theory]
    [MemberData(nameof(Nodes))]
    public void EveryNode_LoadsTheClusterConfig_WithAddressesThatExistInTheFile(string node)
    {
        var env = Environment(node);
        var loaded = ProxyConfigLoader.Load(Path.Combine(Root, "examples", "cluster.hocon"), env);
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Problems));
        var settings = loaded.Settings!;

        // Listeners bind all interfaces in the container and are published on the host's loopback only.
        var listen = Parse(settings.Listeners.Single().Address);
        var admin = Parse(settings.Admin.Address);
        Assert.Equal("0.0.0.0", listen.Host);
        ContainerPortPublishedFor(node, listen.Port);
        ContainerPortPublishedFor(node, admin.Port);
        Assert.Equal("test-value", settings.Admin.Token);

        // Remoting is advertised as the service name; the cluster forms by Cluster Bootstrap over config
        // discovery: every node lists every node of this file at its management port, and all are required.
        Assert.Equal(node, env["PROXY_PUBLIC_HOSTNAME"]);
        Assert.Equal(node, ((YamlScalarNode)Service(node)["hostname"]).Value);
        Assert.False(env.ContainsKey("PROXY_SEEDS"));
        var problems = new List<string>();
        var formation = Proxy.Node.Hosting.NodeOptions.FromEnvironment(env, problems).Formation;
        Assert.Empty(problems);
        Assert.Equal(Proxy.Node.Hosting.ClusterJoinMethod.BootstrapConfig, formation.Method);
        var contactPoints = formation.ContactPoints.Select(Parse).ToList();
        Assert.Equal(NodeNames(), contactPoints.Select(c => c.Host));
        Assert.Equal(NodeNames().Count(), formation.RequiredContactPoints);
        foreach (var point in contactPoints)
            Assert.Equal(point.Port.ToString(), Environment(point.Host)["PROXY_MANAGEMENT_PORT"]);

        // The pool's backends are the demo backend services at the port their command listens on.
        foreach (var backend in settings.Pools["demo"].Backends.Select(b => Parse(b.Address)))
        {
            var command = ((YamlSequenceNode)Service(backend.Host)["command"]).Children.Cast<YamlScalarNode>().Select(c => c.Value).ToList();
            Assert.Equal("demo-backend", command[0]);
            Assert.Equal($"0.0.0.0:{backend.Port}", command[command.IndexOf("--listen") + 1]);
        }

        // The journal is the PostgreSQL service's database, with its user.
        Assert.Equal(PersistenceProvider.PostgreSql, settings.Persistence.Provider);
        var db = settings.Persistence.ConnectionString!.Split(';').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("postgres", db["Host"]);
        var postgres = Environment("postgres");
        Assert.Equal(postgres["POSTGRES_DB"], db["Database"]);
        Assert.Equal(postgres["POSTGRES_USER"], db["Username"]);
        Assert.Equal(postgres["POSTGRES_PASSWORD"], db["Password"]);
        Assert.StartsWith("redis:", env["PROXY_REDIS"]);
    }
}
