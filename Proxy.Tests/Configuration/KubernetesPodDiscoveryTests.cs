using System.Text.Json;
using Akka.Configuration;
using Proxy.Node.Hosting;
using Xunit;

namespace Proxy.Tests.Configuration;

/// <summary>Which pods of a Kubernetes <c>PodList</c> become contact points, and the settings the formation hands
/// the discovery.</summary>
public sealed class KubernetesPodDiscoveryTests
{
    private static string Pod(string name, string phase = "Running", string? ip = "10.0.0.1", string ports = """[{"name":"management","containerPort":8558}]""",
        bool deleting = false) => $$"""
        {
          "metadata": { "name": "{{name}}"{{(deleting ? ", \"deletionTimestamp\": \"2026-01-01T00:00:00Z\"" : "")}} },
          "spec": { "containers": [ { "name": "sidecar" }, { "name": "proxy", "ports": {{ports}} } ] },
          "status": { "phase": "{{phase}}"{{(ip is null ? "" : $", \"podIP\": \"{ip}\"")}} }
        }
        """;

    private static List<(string Host, int? Port)> Targets(string portName, params string[] pods)
    {
        using var document = JsonDocument.Parse($$"""{ "kind": "PodList", "items": [ {{string.Join(",", pods)}} ] }""");
        return KubernetesPodDiscovery.Targets(document.RootElement, portName).Select(t => (t.Host, t.Port)).ToList();
    }

    [Fact]
    public void RunningPodsWithAnIpAndTheNamedPort_AreContactPoints_AtTheirRawIpAndThatPort()
    {
        var targets = Targets("management",
            Pod("a", ip: "10.0.0.1"),
            Pod("b", ip: "10.0.0.2", ports: """[{"name":"http","containerPort":8080},{"name":"management","containerPort":9558}]"""));
        Assert.Equal([("10.0.0.1", 8558), ("10.0.0.2", 9558)], targets);
    }

    [Fact]
    public void PendingDeletedIplessAndPortlessPods_AreLeftOut()
    {
        var targets = Targets("management",
            Pod("pending", phase: "Pending"),
            Pod("deleting", deleting: true),
            Pod("no-ip", ip: null),
            Pod("other-port", ports: """[{"name":"http","containerPort":8080}]"""),
            Pod("ok", ip: "10.0.0.9"));
        Assert.Equal([("10.0.0.9", 8558)], targets);
    }

    [Fact]
    public void AnEmptyOrOddList_HasNoContactPoints()
    {
        Assert.Empty(Targets("management"));
        using var status = JsonDocument.Parse("""{ "kind": "Status", "code": 403 }""");
        Assert.Empty(KubernetesPodDiscovery.Targets(status.RootElement, "management"));
    }

    [Fact]
    public void TheFormation_MakesThePodDiscoveryTheDefaultMethod_WithItsSelectorNamespaceAndFiles()
    {
        var formation = new ClusterFormation
        {
            Method = ClusterJoinMethod.BootstrapKubernetes,
            KubernetesSelector = "app=proxy,tier=\"edge\"",
            KubernetesNamespace = "proxies",
            KubernetesApiTokenPath = "/run/token",
            KubernetesApiCaPath = @"C:\ca.crt",
        };
        var config = ConfigurationFactory.ParseString(formation.KubernetesDiscoveryHocon());
        Assert.Equal(KubernetesPodDiscovery.Method, config.GetString("akka.discovery.method"));
        var settings = config.GetConfig("akka.discovery." + KubernetesPodDiscovery.Method);
        Assert.Equal(typeof(KubernetesPodDiscovery), Type.GetType(settings.GetString("class")));
        Assert.Equal("app=proxy,tier=\"edge\"", settings.GetString("pod-label-selector"));
        Assert.Equal("proxies", settings.GetString("pod-namespace"));
        Assert.Equal("/run/token", settings.GetString("api-token-path"));
        Assert.Equal(@"C:\ca.crt", settings.GetString("api-ca-path"));

        // Unset: the discovery falls back to the service account's files and namespace.
        var defaults = ConfigurationFactory.ParseString(new ClusterFormation { Method = ClusterJoinMethod.BootstrapKubernetes }.KubernetesDiscoveryHocon())
            .GetConfig("akka.discovery." + KubernetesPodDiscovery.Method);
        Assert.False(defaults.HasPath("api-token-path"));
        Assert.False(defaults.HasPath("api-ca-path"));
        Assert.False(defaults.HasPath("pod-namespace"));
    }
}
