using Proxy.Node.Hosting;
using Proxy.Shared.Configuration;
using Proxy.Tests.Integration.Support;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Proxy.Tests.Configuration;

/// <summary>
/// examples/kubernetes/proxy.yaml stays in step with what a node reads: the container's environment (downward-API
/// and Secret values filled in as Kubernetes would) selects Kubernetes discovery without a problem and loads
/// examples/cluster.hocon; the management port is the named container port discovery looks for; the Role lets the
/// service account list pods; the grace period outlasts the node's shutdown. (No cluster runs here;
/// <c>kubectl apply --dry-run=client</c> checks the schema where kubectl is installed.)
/// </summary>
public sealed class KubernetesManifestSpec
{
    private static readonly string Directory = Path.Combine(Repository.Root, "examples", "kubernetes");
    private static readonly List<YamlMappingNode> Documents = Load("proxy.yaml");

    private static List<YamlMappingNode> Load(string file)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Directory, file));
        yaml.Load(reader);
        return yaml.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static YamlMappingNode Kind(string kind) => Documents.Single(d => Scalar(d, "kind") == kind);
    private static string Scalar(YamlNode node, params string[] path) => ((YamlScalarNode)Node(node, path)).Value!;

    private static YamlNode Node(YamlNode node, params string[] path)
    {
        foreach (var key in path) node = ((YamlMappingNode)node)[key];
        return node;
    }

    private static IEnumerable<YamlMappingNode> Items(YamlNode node, params string[] path) =>
        ((YamlSequenceNode)Node(node, path)).Children.Cast<YamlMappingNode>();

    private static YamlMappingNode PodSpec => (YamlMappingNode)Node(Kind("Deployment"), "spec", "template", "spec");
    private static YamlMappingNode Container => Items(PodSpec, "containers").Single();

    /// <summary>The container's environment as a pod would see it: field references and Secrets filled in.</summary>
    private static Dictionary<string, string?> Environment() => Items(Container, "env").ToDictionary(
        e => Scalar(e, "name"),
        e => (string?)(e.Children.ContainsKey("value") ? Scalar(e, "value")
            : ((YamlMappingNode)e["valueFrom"]).Children.ContainsKey("fieldRef")
                ? Scalar(e, "valueFrom", "fieldRef", "fieldPath") switch
                {
                    "status.podIP" => "10.1.2.3",
                    "metadata.namespace" => "proxies",
                    var other => throw new InvalidOperationException("unexpected field " + other),
                }
                : "secret-" + Scalar(e, "valueFrom", "secretKeyRef", "key")));

    private static int ContainerPort(string name) =>
        int.Parse(Scalar(Items(Container, "ports").Single(p => Scalar(p, "name") == name), "containerPort"));

    [Fact]
    public void TheContainerEnvironment_SelectsKubernetesDiscovery_OfItsOwnPods_AtTheNamedManagementPort()
    {
        var env = Environment();
        var problems = new List<string>();
        var options = NodeOptions.FromEnvironment(env, problems);
        Assert.Empty(problems);
        var formation = options.Formation;
        Assert.Equal(ClusterJoinMethod.BootstrapKubernetes, formation.Method);
        Assert.Equal("proxies", formation.KubernetesNamespace);
        Assert.Equal(3, formation.RequiredContactPoints);
        Assert.Equal("0.0.0.0", options.Hostname);
        Assert.Equal("10.1.2.3", options.PublicHostname);

        // The pods discovery lists are this Deployment's, and its management port is the one the node serves.
        var podLabels = (YamlMappingNode)Node(Kind("Deployment"), "spec", "template", "metadata", "labels");
        var selector = formation.KubernetesSelector.Split('=');
        Assert.Equal(selector[1], Scalar(podLabels, selector[0]));
        Assert.Equal(formation.ManagementPort, ContainerPort(formation.KubernetesPortName));
        Assert.Equal(options.Port, ContainerPort("remoting"));
        Assert.Equal(3, int.Parse(Scalar(Kind("Deployment"), "spec", "replicas")));

        // The token and CA are the service account's (defaults), the service account is the bound one.
        Assert.Null(formation.KubernetesApiTokenPath);
        Assert.Null(formation.KubernetesApiCaPath);
        Assert.Equal(Scalar(Kind("ServiceAccount"), "metadata", "name"), Scalar(PodSpec, "serviceAccountName"));
    }

    [Fact]
    public void TheContainerEnvironment_LoadsTheClusterConfig_WithListenersOnTheNamedPorts_AndProbesOnTheAdminPort()
    {
        var env = Environment();
        // The image's copy of examples/cluster.hocon (Dockerfile: COPY examples/cluster.hocon /app/examples/).
        Assert.Equal(["--config", "/app/examples/cluster.hocon"],
            ((YamlSequenceNode)Container["args"]).Children.Cast<YamlScalarNode>().Select(s => s.Value));
        Assert.Contains("COPY examples/cluster.hocon /app/examples/cluster.hocon", File.ReadAllText(Path.Combine(Repository.Root, "Dockerfile")));
        var loaded = ProxyConfigLoader.Load(Path.Combine(Repository.Root, "examples", "cluster.hocon"), env);
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Problems));
        var settings = loaded.Settings!;
        Assert.Equal("secret-admin-token", settings.Admin.Token);
        Assert.Equal(PersistenceProvider.PostgreSql, settings.Persistence.Provider);
        Assert.Equal($"0.0.0.0:{ContainerPort("http")}", settings.Listeners.Single().Address);
        Assert.Equal($"0.0.0.0:{ContainerPort("admin")}", settings.Admin.Address);

        Assert.Equal("/ready", Scalar(Container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/health", Scalar(Container, "livenessProbe", "httpGet", "path"));
        Assert.Equal("admin", Scalar(Container, "readinessProbe", "httpGet", "port"));
        Assert.Equal("admin", Scalar(Container, "livenessProbe", "httpGet", "port"));

        // Kubernetes waits longer than the node does: drain-delay + timeout + the node's 20 s to leave the cluster.
        var grace = TimeSpan.FromSeconds(int.Parse(Scalar(PodSpec, "terminationGracePeriodSeconds")));
        Assert.True(grace > settings.Shutdown.DrainDelay + settings.Shutdown.Timeout + TimeSpan.FromSeconds(20), $"grace {grace}");
        // Liveness may fail only once shutdown began: it must not restart a pod that is still draining.
        var liveness = (YamlMappingNode)Container["livenessProbe"];
        var livenessGrace = TimeSpan.FromSeconds(int.Parse(Scalar(liveness, "periodSeconds")) * int.Parse(Scalar(liveness, "failureThreshold")));
        Assert.True(livenessGrace > settings.Shutdown.DrainDelay + settings.Shutdown.Timeout, $"liveness {livenessGrace}");

        // The Service sends the public port to the listener.
        Assert.Equal("http", Scalar(Items(Kind("Service"), "spec", "ports").Single(), "targetPort"));
        Assert.Equal("proxy", Scalar(Kind("Service"), "spec", "selector", "app"));
    }

    [Fact]
    public void TheRole_LetsTheServiceAccountListPodsInItsNamespace()
    {
        var rule = Items(Kind("Role"), "rules").Single();
        Assert.Equal([""], ((YamlSequenceNode)rule["apiGroups"]).Children.Cast<YamlScalarNode>().Select(s => s.Value));
        Assert.Equal(["pods"], ((YamlSequenceNode)rule["resources"]).Children.Cast<YamlScalarNode>().Select(s => s.Value));
        Assert.Equal(["get", "watch", "list"], ((YamlSequenceNode)rule["verbs"]).Children.Cast<YamlScalarNode>().Select(s => s.Value));

        var binding = Kind("RoleBinding");
        Assert.Equal(Scalar(Kind("Role"), "metadata", "name"), Scalar(binding, "roleRef", "name"));
        var subject = Items(binding, "subjects").Single();
        Assert.Equal("ServiceAccount", Scalar(subject, "kind"));
        Assert.Equal(Scalar(Kind("ServiceAccount"), "metadata", "name"), Scalar(subject, "name"));
    }

    [Fact]
    public void TheDemoBackends_AreTheServicesThePoolPointsAt()
    {
        var env = Environment();
        var backends = Load("demo-backends.yaml");
        foreach (var variable in new[] { "PROXY_BACKEND_A", "PROXY_BACKEND_B" })
        {
            var (host, port) = (env[variable]!.Split(':')[0], int.Parse(env[variable]!.Split(':')[1]));
            var service = backends.Single(d => Scalar(d, "kind") == "Service" && Scalar(d, "metadata", "name") == host);
            Assert.Equal(port, int.Parse(Scalar(Items(service, "spec", "ports").Single(), "port")));
            var deployment = backends.Single(d => Scalar(d, "kind") == "Deployment" && Scalar(d, "metadata", "name") == host);
            var args = ((YamlSequenceNode)Node(deployment, "spec", "template", "spec", "containers")).Children.Cast<YamlMappingNode>().Single()["args"];
            Assert.Contains($"0.0.0.0:{port}", ((YamlSequenceNode)args).Children.Cast<YamlScalarNode>().Select(s => s.Value));
        }
    }
}
