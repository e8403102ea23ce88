using Akka.Discovery.Config.Hosting;
using Akka.Hosting;
using Akka.Management;
using Akka.Management.Cluster.Bootstrap;

namespace Proxy.Node.Hosting;

/// <summary>How a node finds its cluster (C1).</summary>
public enum ClusterJoinMethod
{
    /// <summary>No seeds, no discovery: the node forms a one-node cluster at once (scripts/run.sh).</summary>
    Self,
    /// <summary>Akka's plain seed list (PROXY_SEEDS): every node must list every seed, in the same order.</summary>
    Seeds,
    /// <summary>Cluster Bootstrap over config discovery: a fixed list of every node's management endpoint.</summary>
    BootstrapConfig,
    /// <summary>Cluster Bootstrap over the Kubernetes API: the pods that match a label selector.</summary>
    BootstrapKubernetes,
}

/// <summary>
/// Cluster Bootstrap (Akka.Management): each node serves <c>/bootstrap/seed-nodes</c> on its management port and
/// probes the contact points discovery returns. A node joins any cluster a contact point reports; only when
/// <see cref="RequiredContactPoints"/> contact points are found and every one of them answers that it is in no
/// cluster does the lowest-addressed one form a new cluster. So a restarted node, whichever it is, finds the
/// running cluster and joins it, and a lone node whose peers are all down waits instead of forming an island.
/// </summary>
public sealed record ClusterFormation
{
    /// <summary>The service name looked up in discovery (config discovery's service entry, the Kubernetes app label).</summary>
    public const string ServiceName = "proxy";
    public const int DefaultManagementPort = 8558;
    public const string DefaultKubernetesSelector = "app=proxy";
    public const string DefaultKubernetesPortName = "management";

    /// <summary>A bootstrap method, or <see cref="ClusterJoinMethod.Self"/> when no discovery is configured
    /// (<see cref="NodeOptions.JoinMethod"/> then tells seeds from a one-node cluster).</summary>
    public ClusterJoinMethod Method { get; init; } = ClusterJoinMethod.Self;
    /// <summary>Config discovery: every node's management endpoint, "host:port".</summary>
    public IReadOnlyList<string> ContactPoints { get; init; } = [];
    /// <summary>Contact points that must be discovered (and, to form a new cluster, answer) before a decision.</summary>
    public int RequiredContactPoints { get; init; }
    /// <summary>Port of this node's management endpoint (bound on the remoting hostname, advertised on the public one).</summary>
    public int ManagementPort { get; init; } = DefaultManagementPort;
    /// <summary>How long the discovered contact points must stay the same before a decision to form a cluster.</summary>
    public TimeSpan StableMargin { get; init; } = TimeSpan.FromSeconds(3);
    public string KubernetesSelector { get; init; } = DefaultKubernetesSelector;
    public string? KubernetesNamespace { get; init; }
    /// <summary>Name of the container port that carries the management endpoint in the pod spec.</summary>
    public string KubernetesPortName { get; init; } = DefaultKubernetesPortName;
    /// <summary>File with the bearer token for the Kubernetes API, read at every lookup (PROXY_K8S_API_TOKEN_PATH);
    /// null: the pod's service-account token.</summary>
    public string? KubernetesApiTokenPath { get; init; }
    /// <summary>PEM file of the CA the Kubernetes API's certificate must chain to (PROXY_K8S_API_CA_PATH); null: the
    /// service account's ca.crt.</summary>
    public string? KubernetesApiCaPath { get; init; }

    public bool UsesBootstrap => Method is ClusterJoinMethod.BootstrapConfig or ClusterJoinMethod.BootstrapKubernetes;

    /// <summary>Adds the settings of Akka.Management, Cluster Bootstrap and the discovery method. Neither is started
    /// here: <see cref="BootstrapEndpoint"/> serves the management route and starts the bootstrap.</summary>
    public void AddBootstrap(AkkaConfigurationBuilder akka, string bindHostname, string publicHostname)
    {
        if (!UsesBootstrap) return;
        akka.WithAkkaManagement(new AkkaManagementOptions
        {
            HostName = publicHostname,
            Port = ManagementPort,
            BindHostName = bindHostname,
            BindPort = ManagementPort,
        }, autoStart: false);
        akka.WithClusterBootstrap(new ClusterBootstrapOptions
        {
            // A node joins an existing cluster whenever a contact point reports one; forming a new one needs
            // every required contact point to answer "no cluster here" (contact-with-all-contact-points).
            NewClusterEnabled = true,
            ContactPointDiscovery =
            {
                ServiceName = ServiceName,
                PortName = Method == ClusterJoinMethod.BootstrapKubernetes ? KubernetesPortName : null,
                RequiredContactPointsNr = RequiredContactPoints,
                ContactWithAllContactPoints = true,
                StableMargin = StableMargin,
            },
            ContactPoint =
            {
                // Config discovery lists management ports that differ per node on one host (scripts/cluster-up.sh):
                // keep every listed endpoint instead of only those on this node's own port.
                FilterOnFallbackPort = Method != ClusterJoinMethod.BootstrapConfig,
                FallbackPort = ManagementPort,
            },
        }, autoStart: false);
        if (Method == ClusterJoinMethod.BootstrapConfig)
        {
            akka.WithConfigDiscovery(new ConfigServiceDiscoveryOptions
            {
                Services = [new Service { Name = ServiceName, Endpoints = ContactPoints.ToArray() }],
            });
        }
        else
        {
            akka.AddHocon(KubernetesDiscoveryHocon(), HoconAddMode.Prepend);
        }
    }

    /// <summary>Settings of <see cref="KubernetesPodDiscovery"/>, the default discovery method; unset paths keep its
    /// defaults (the service-account files, the service account's namespace).</summary>
    public string KubernetesDiscoveryHocon()
    {
        static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        var lines = new List<string>
        {
            $"akka.discovery.method = {KubernetesPodDiscovery.Method}",
            $"akka.discovery.{KubernetesPodDiscovery.Method}.class = {Quote(typeof(KubernetesPodDiscovery).AssemblyQualifiedName!)}",
            $"akka.discovery.{KubernetesPodDiscovery.Method}.pod-label-selector = {Quote(KubernetesSelector)}",
        };
        if (KubernetesNamespace is { } ns) lines.Add($"akka.discovery.{KubernetesPodDiscovery.Method}.pod-namespace = {Quote(ns)}");
        if (KubernetesApiTokenPath is { } token) lines.Add($"akka.discovery.{KubernetesPodDiscovery.Method}.api-token-path = {Quote(token)}");
        if (KubernetesApiCaPath is { } ca) lines.Add($"akka.discovery.{KubernetesPodDiscovery.Method}.api-ca-path = {Quote(ca)}");
        return string.Join("\n", lines);
    }

    /// <summary>Reads the formation from the environment; every mistake names its variable.</summary>
    public static ClusterFormation FromEnvironment(IReadOnlyDictionary<string, string?> env, bool hasSeeds, List<string> problems)
    {
        string? Get(string name) => env.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        var method = Get("PROXY_DISCOVERY");
        var contactPoints = Get("PROXY_CONTACT_POINTS")?
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (method is null && contactPoints.Length > 0) method = "config";
        if (method is null) return new ClusterFormation();

        var formation = new ClusterFormation();
        switch (method)
        {
            case "config":
                formation = formation with { Method = ClusterJoinMethod.BootstrapConfig, ContactPoints = contactPoints };
                if (contactPoints.Length == 0)
                    problems.Add("PROXY_CONTACT_POINTS: required with PROXY_DISCOVERY=config: every node's management endpoint, host:port,host:port");
                foreach (var point in contactPoints.Where(p => !IsHostPort(p)))
                    problems.Add($"PROXY_CONTACT_POINTS: '{point}' is not host:port");
                break;
            case "kubernetes":
                formation = formation with
                {
                    Method = ClusterJoinMethod.BootstrapKubernetes,
                    KubernetesSelector = Get("PROXY_K8S_LABEL_SELECTOR") ?? DefaultKubernetesSelector,
                    KubernetesNamespace = Get("PROXY_K8S_NAMESPACE"),
                    KubernetesPortName = Get("PROXY_K8S_PORT_NAME") ?? DefaultKubernetesPortName,
                    KubernetesApiTokenPath = Get("PROXY_K8S_API_TOKEN_PATH"),
                    KubernetesApiCaPath = Get("PROXY_K8S_API_CA_PATH"),
                };
                if (contactPoints.Length > 0)
                    problems.Add("PROXY_CONTACT_POINTS: only read with PROXY_DISCOVERY=config; the Kubernetes API lists the pods");
                break;
            default:
                problems.Add($"PROXY_DISCOVERY: '{method}' is not a discovery method; valid: config, kubernetes (unset: PROXY_SEEDS or a one-node cluster)");
                return formation;
        }
        if (hasSeeds)
            problems.Add("PROXY_SEEDS: not used with PROXY_DISCOVERY/PROXY_CONTACT_POINTS; choose one way to form the cluster");

        var required = formation.Method == ClusterJoinMethod.BootstrapConfig ? Math.Max(contactPoints.Length, 1) : 2;
        if (Get("PROXY_REQUIRED_CONTACT_POINTS") is { } requiredText)
        {
            if (!int.TryParse(requiredText, out required) || required < 1)
                problems.Add($"PROXY_REQUIRED_CONTACT_POINTS: '{requiredText}' is not a whole number of 1 or more");
            else if (formation.Method == ClusterJoinMethod.BootstrapConfig && contactPoints.Length > 0 && required > contactPoints.Length)
                problems.Add($"PROXY_REQUIRED_CONTACT_POINTS: {required} is more than the {contactPoints.Length} listed in PROXY_CONTACT_POINTS; the cluster could never form");
        }
        var port = DefaultManagementPort;
        if (Get("PROXY_MANAGEMENT_PORT") is { } portText && (!int.TryParse(portText, out port) || port is < 1 or > 65535))
            problems.Add($"PROXY_MANAGEMENT_PORT: '{portText}' is not a port (1-65535)");
        return formation with { RequiredContactPoints = required, ManagementPort = port };
    }

    private static bool IsHostPort(string value)
    {
        var colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value.AsSpan(colon + 1), out var port) && port is > 0 and <= 65535;
    }
}
