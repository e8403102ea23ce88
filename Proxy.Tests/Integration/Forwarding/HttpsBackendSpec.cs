using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Forwarding;

/// <summary>E1 client side: https:// backends (a Kestrel HTTPS server with a certificate from a private CA).</summary>
public sealed class HttpsBackendSpec : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("proxy-https-backend-").FullName;
    private WebApplication _backend = null!;
    private string _caPath = "";
    private int _port;

    public async Task InitializeAsync()
    {
        var (caPath, server) = TestCertificates.WriteCaAndServer(_dir, "backend.test");
        _caPath = caPath;
        var (app, port) = await LoopbackKestrel.StartAsync(web =>
        {
            web.MapGet("/connection", (HttpContext ctx) => Results.Text(ctx.Connection.Id));
            web.MapFallback((HttpContext ctx) => Results.Text($"secure {ctx.Request.Method} {ctx.Request.Path} https={ctx.Request.IsHttps}"));
        }, listen: l => l.UseHttps(server));
        _port = port;
        _backend = app;
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<ProxyNode> StartNode(string tls, string health = "") => TestNode.StartAsync($$"""
        pools {
          secure {
            backends = [ "https://127.0.0.1:{{_port}}" ]
            timeouts { connect = 2s, response = 5s }
            retries { attempts = 0 }
            {{tls}}
            {{health}}
          }
        }
        routes = [ { name = default, pool = secure } ]
        """);

    private static async Task<(HttpStatusCode, string)> Get(ProxyNode node, string path)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var response = await http.GetAsync($"http://127.0.0.1:{node.Public().Port}{path}");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ABackendCertificateFromATrustedCaFile_IsAccepted_AndRequestsFlowOverTls()
    {
        await using var node = await StartNode($$"""tls { ca-file = "{{_caPath}}" }""");
        for (var i = 0; i < 3; i++)
        {
            var (status, body) = await Get(node, $"/over-tls/{i}");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal($"secure GET /over-tls/{i} https=True", body);
        }
    }

    [Fact]
    public async Task SequentialRequests_ReuseOneTlsConnection()
    {
        // TLS 1.3 sends session tickets after the handshake: they must not make a resting connection look disturbed.
        await using var node = await StartNode($$"""tls { ca-file = "{{_caPath}}" }""");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var (status, id) = await Get(node, "/connection");
            Assert.Equal(HttpStatusCode.OK, status);
            ids.Add(id);
            await Task.Delay(50);
        }
        Assert.Single(ids.Distinct());
    }

    [Fact]
    public async Task WithoutTrustingTheCa_TheBackendIsRejected_With502()
    {
        await using var node = await StartNode("");
        var (status, body) = await Get(node, "/x");
        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.DoesNotContain("secure", body);
    }

    [Fact]
    public async Task AServerNameTheCertificateDoesNotCarry_IsRejected_AndOneItCarries_IsAccepted()
    {
        await using (var wrong = await StartNode($$"""tls { ca-file = "{{_caPath}}", server-name = "other.test" }"""))
            Assert.Equal(HttpStatusCode.BadGateway, (await Get(wrong, "/x")).Item1);
        await using var right = await StartNode($$"""tls { ca-file = "{{_caPath}}", server-name = "backend.test" }""");
        Assert.Equal(HttpStatusCode.OK, (await Get(right, "/x")).Item1);
    }

    [Fact]
    public async Task VerifyOff_AcceptsAnyCertificate()
    {
        await using var node = await StartNode("tls { verify = off }");
        Assert.Equal(HttpStatusCode.OK, (await Get(node, "/x")).Item1);
    }

    [Fact]
    public async Task HealthProbes_UseTlsWithThePoolsTrust()
    {
        await using var node = await StartNode($$"""tls { ca-file = "{{_caPath}}" }""",
            """health { path = "/healthz", interval = 200ms, timeout = 150ms, healthy = 1, unhealthy = 1 }""");
        await Eventually.Holds(() => node.Runtime.Current.Pools["secure"].Backends[0].ClusterState is { Healthy: true },
            TimeSpan.FromSeconds(10), "the https backend passes its probes");
        await using var untrusted = await StartNode("",
            """health { path = "/healthz", interval = 200ms, timeout = 150ms, healthy = 1, unhealthy = 1 }""");
        await Eventually.Holds(() => untrusted.Runtime.Current.Pools["secure"].Backends[0].ClusterState is { Healthy: false },
            TimeSpan.FromSeconds(10), "an untrusted https backend fails its probes");
    }
}
