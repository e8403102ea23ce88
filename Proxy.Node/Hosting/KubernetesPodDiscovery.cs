using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Akka.Actor;
using Akka.Discovery;
using Akka.Event;

namespace Proxy.Node.Hosting;

/// <summary>
/// Akka.Discovery over the Kubernetes API (PROXY_DISCOVERY=kubernetes): <c>GET /api/v1/namespaces/NS/pods?labelSelector=…</c>
/// on the API server of KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT with the service-account token, and every
/// Running pod that is not being deleted and has a pod IP is a contact point at its container port whose name
/// contains the looked-up port name (raw pod IPs). The same rules as Akka.Discovery.KubernetesApi.
/// </summary>
/// <remarks>
/// Written here because Akka.Discovery.KubernetesApi 1.5.73 is built against KubernetesClient 17.0.14, which the
/// registry here does not serve; with the 19.0.2 (or 21.0.8) it resolves to, its <c>Lookup</c> fails on every call
/// with MissingMethodException (<c>V1PodList..ctor(IList&lt;V1Pod&gt;, string, string, V1ListMeta)</c>: the models
/// of KubernetesClient 18+ have only a parameterless constructor). One GET and a JSON walk need no client library.
/// Unlike the library, the CA file (api-ca-path) is what the API server's certificate is verified against.
/// </remarks>
public sealed class KubernetesPodDiscovery : ServiceDiscovery
{
    /// <summary>The discovery method name: its settings are <c>akka.discovery.proxy-kubernetes-api</c>.</summary>
    public const string Method = "proxy-kubernetes-api";
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";
    public const string DefaultTokenPath = ServiceAccountDirectory + "/token";
    public const string DefaultCaPath = ServiceAccountDirectory + "/ca.crt";
    private const string NamespacePath = ServiceAccountDirectory + "/namespace";

    private readonly ILoggingAdapter _log;
    private readonly HttpClient _http;
    private readonly Uri? _api;
    private readonly string _labelSelector;
    private readonly string _namespace;
    private readonly string _tokenPath;

    /// <summary>Created by Akka.Discovery (the <c>class</c> of <see cref="Method"/>).</summary>
    public KubernetesPodDiscovery(ExtendedActorSystem system)
    {
        _log = Logging.GetLogger(system, this);
        var config = system.Settings.Config.GetConfig("akka.discovery." + Method);
        _labelSelector = config.GetString("pod-label-selector", ClusterFormation.DefaultKubernetesSelector);
        _tokenPath = NonBlank(config.GetString("api-token-path", null)) ?? DefaultTokenPath;
        var caPath = NonBlank(config.GetString("api-ca-path", null)) ?? DefaultCaPath;
        _namespace = NonBlank(config.GetString("pod-namespace", null)) ?? ReadNamespaceFile() ?? "default";

        var host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");
        var port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrWhiteSpace(host) || !int.TryParse(port, out var apiPort))
            _log.Error("KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT ('{0}'/'{1}') do not name the Kubernetes API; " +
                "PROXY_DISCOVERY=kubernetes finds no contact points outside a pod", host, port);
        else
            _api = new UriBuilder("https", host.Contains(':') ? $"[{host}]" : host, apiPort).Uri;

        var handler = new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (File.Exists(caPath))
        {
            // The API server's certificate must chain to the cluster's CA (and name the host, as always).
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(LoadPem(caPath));
            handler.SslOptions.CertificateChainPolicy = policy;
        }
        else
        {
            _log.Warning("No CA file at {0} (PROXY_K8S_API_CA_PATH): the Kubernetes API's certificate must be trusted by the system's CAs", caPath);
        }
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private static X509Certificate2Collection LoadPem(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return certificates;
    }

    private static string? NonBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private string? ReadNamespaceFile()
    {
        try
        {
            return File.Exists(NamespacePath) ? NonBlank(File.ReadAllText(NamespacePath)) : null;
        }
        catch (IOException e)
        {
            _log.Warning("Cannot read the pod's namespace from {0}: {1}", NamespacePath, e.Message);
            return null;
        }
    }

    public override async Task<Resolved> Lookup(Lookup lookup, TimeSpan resolveTimeout)
    {
        if (_api is null)
            throw new InvalidOperationException("no Kubernetes API: KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set");
        using var timeout = new CancellationTokenSource(resolveTimeout);
        var path = $"/api/v1/namespaces/{Uri.EscapeDataString(_namespace)}/pods?labelSelector={Uri.EscapeDataString(_labelSelector)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_api, path));
        // Read on every lookup: projected service-account tokens are rotated by the kubelet.
        var token = (await File.ReadAllTextAsync(_tokenPath, timeout.Token).ConfigureAwait(false)).Trim();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _log.Debug("Querying {0} for pods with label selector [{1}] in namespace [{2}], port name [{3}]",
            _api, _labelSelector, _namespace, lookup.PortName);

        using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var hint = response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized
                ? $" (the service account needs get/list on pods in namespace {_namespace}: check the Role and RoleBinding)"
                : "";
            throw new HttpRequestException($"Kubernetes API answered {(int)response.StatusCode} to GET {path}{hint}: {Shorten(body)}",
                null, response.StatusCode);
        }

        using var document = JsonDocument.Parse(body);
        var targets = Targets(document.RootElement, lookup.PortName).ToList();
        if (targets.Count == 0)
            _log.Warning("No running pod with a pod IP{0} in namespace [{1}] matches label selector [{2}]",
                lookup.PortName is null ? "" : $" and a container port named '{lookup.PortName}'", _namespace, _labelSelector);
        return new Resolved(lookup.ServiceName, targets);
    }

    /// <summary>The contact points of a <c>PodList</c>: Running pods not being deleted, with a pod IP and (when a port
    /// name is asked for) the first container port whose name contains it; pods without such a port are left out.</summary>
    public static IEnumerable<ResolvedTarget> Targets(JsonElement podList, string? portName)
    {
        if (!podList.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array) yield break;
        foreach (var pod in items.EnumerateArray())
        {
            if (pod.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("deletionTimestamp", out var deleted)
                && deleted.ValueKind != JsonValueKind.Null)
                continue;
            if (!pod.TryGetProperty("status", out var status)) continue;
            if (Text(status, "phase") is not { } phase || !phase.Contains("running", StringComparison.OrdinalIgnoreCase)) continue;
            if (Text(status, "podIP") is not { } ip || !IPAddress.TryParse(ip, out var address)) continue;

            int? port = null;
            if (portName is not null)
            {
                port = ContainerPorts(pod)
                    .Where(p => Text(p, "name")?.Contains(portName, StringComparison.Ordinal) == true)
                    .Select(p => p.TryGetProperty("containerPort", out var number) && number.TryGetInt32(out var n) ? n : (int?)null)
                    .FirstOrDefault();
                if (port is null) continue;
            }
            yield return new ResolvedTarget(ip, port, address);
        }
    }

    private static IEnumerable<JsonElement> ContainerPorts(JsonElement pod)
    {
        if (!pod.TryGetProperty("spec", out var spec) || !spec.TryGetProperty("containers", out var containers)
            || containers.ValueKind != JsonValueKind.Array)
            yield break;
        foreach (var container in containers.EnumerateArray())
            if (container.TryGetProperty("ports", out var ports) && ports.ValueKind == JsonValueKind.Array)
                foreach (var port in ports.EnumerateArray())
                    yield return port;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static string Shorten(string body) => body.Length <= 300 ? body : body[..300] + "…";
}
