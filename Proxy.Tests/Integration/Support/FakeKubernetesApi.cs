using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Proxy.Tests.Integration.Support;

/// <summary>
/// The one call of the Kubernetes API that pod discovery makes, served over HTTPS on 127.0.0.1 by
/// Kestrel: <c>GET /api/v1/namespaces/NS/pods?labelSelector=…</c> answers a <c>V1PodList</c> of Running pods, all
/// at pod IP 127.0.0.1, each with a container port named <c>management</c> (one pod per listed node). The server
/// certificate is signed by a CA of the test's own, written to <see cref="CaPath"/>.
/// </summary>
public sealed class FakeKubernetesApi : IAsyncDisposable
{
    public sealed record Request(string Path, string? LabelSelector, string? Authorization);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Request> _requests;
    private volatile int[] _listed = [];

    private FakeKubernetesApi(WebApplication app, ConcurrentQueue<Request> requests, int port, string caPath)
    {
        _app = app;
        _requests = requests;
        Port = port;
        CaPath = caPath;
    }

    public int Port { get; }
    /// <summary>PEM of the CA that signed the server certificate (for 127.0.0.1).</summary>
    public string CaPath { get; }
    public IReadOnlyList<Request> Requests => _requests.ToArray();

    /// <summary>From now on the API lists one Running pod per management port given (none at first).</summary>
    public void ListPods(params int[] managementPorts) => _listed = managementPorts;

    /// <summary>Serves the pods of <paramref name="namespace"/>; writes the CA into <paramref name="directory"/>.</summary>
    public static async Task<FakeKubernetesApi> StartAsync(string directory, string @namespace)
    {
        FakeKubernetesApi? api = null;
        var (caPath, server) = TestCertificates.WriteCaAndServer(directory, "kubernetes.default.svc");
        var requests = new ConcurrentQueue<Request>();
        var (app, port) = await LoopbackKestrel.StartAsync(web =>
        {
            web.MapGet("/api/v1/namespaces/{ns}/pods", (HttpContext ctx, string ns) =>
            {
                requests.Enqueue(new Request(ctx.Request.Path, ctx.Request.Query["labelSelector"], ctx.Request.Headers.Authorization));
                return ns == @namespace
                    ? Results.Json(PodListDocument(@namespace, api!._listed))
                    : Results.Json(new { kind = "Status", apiVersion = "v1", status = "Failure", code = 404 }, statusCode: 404);
            });
            web.MapFallback((HttpContext ctx) =>
            {
                requests.Enqueue(new Request(ctx.Request.Path, ctx.Request.Query["labelSelector"], ctx.Request.Headers.Authorization));
                return Results.Json(new { kind = "Status", apiVersion = "v1", status = "Failure", code = 404 }, statusCode: 404);
            });
        }, listen: l => l.UseHttps(server));

        api = new FakeKubernetesApi(app, requests, port, caPath);
        return api;
    }

    /// <summary>What a real API server answers for the listed pods (only the fields the discovery reads, plus names).</summary>
    private static object PodListDocument(string @namespace, int[] managementPorts) => new
    {
        kind = "PodList",
        apiVersion = "v1",
        metadata = new { resourceVersion = "1" },
        items = managementPorts.Select((port, i) => new
        {
            metadata = new { name = $"proxy-{i}", @namespace, labels = new Dictionary<string, string> { ["app"] = "proxy" } },
            spec = new
            {
                containers = new[]
                {
                    new
                    {
                        name = "proxy",
                        ports = new[]
                        {
                            new { name = "http", containerPort = 8080, protocol = "TCP" },
                            new { name = "management", containerPort = port, protocol = "TCP" },
                        },
                    },
                },
            },
            status = new { phase = "Running", podIP = "127.0.0.1", podIPs = new[] { new { ip = "127.0.0.1" } } },
        }).ToArray(),
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
