using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Revisions;

/// <summary>
/// Issue 13 part 3 (O6): listeners in a config revision. An added reverse listener is bound and serves; a removed one
/// stops accepting and drains; one that keeps its address takes its new settings for new connections while open ones
/// stay; forward listeners come and go the same way; a taken address refuses the revision whole.
/// </summary>
public sealed class ListenerRevisionSpec
{
    private const string Token = "listener-revision-token-3f";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static string Body(int port, string listeners = "") => $$"""
        admin { token = "{{Token}}" }
        pools { main { backends = [ "127.0.0.1:{{port}}" ] } }
        routes = [ { name = default, pool = main } ]
        {{listeners}}
        """;

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Apply(Proxy.Node.Hosting.ProxyNode node, string text)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        using var response = await http.PostAsync($"http://127.0.0.1:{node.Admin.Port}/api/config/apply", new StringContent(text, Encoding.UTF8));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static async Task<string> Get(RawClient client)
    {
        client.Send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
        return await client.ReadResponsesAsync(1, Wait);
    }

    [Fact]
    public async Task ListenersAreAddedRemovedAndChanged_ByARevision_WithoutTouchingTheOpenConnections()
    {
        await using var backend = new RawBackend();
        var dataDir = TestDataDirectory.Create();
        await using var node = await TestNode.StartAsync(Body(backend.Port), dataDir: dataDir);
        using var kept = new RawClient(node.Public());
        Assert.StartsWith("HTTP/1.1 200", await Get(kept));

        var twoListeners = """listeners = [ { name = public, address = "127.0.0.1:0", mode = reverse }, { name = extra, address = "127.0.0.1:0" } ]""";
        var (added, _) = await Apply(node, TestNode.Hocon(Body(backend.Port, twoListeners), null, dataDir));

        Assert.Equal(HttpStatusCode.OK, added);
        var extra = node.Listeners["extra"];
        using (var viaExtra = new RawClient(extra)) Assert.StartsWith("HTTP/1.1 200", await Get(viaExtra));
        Assert.StartsWith("HTTP/1.1 200", await Get(kept)); // the open connection on "public" is untouched

        var oneSmallListener = """listeners = [ { name = public, address = "127.0.0.1:0", mode = reverse, max-connections = 1 } ]""";
        var (changed, _) = await Apply(node, TestNode.Hocon(Body(backend.Port, oneSmallListener), null, dataDir));

        Assert.Equal(HttpStatusCode.OK, changed);
        Assert.False(node.Listeners.ContainsKey("extra"));
        await Eventually.Holds(() => !CanConnect(extra), Wait, "the removed listener's socket closed");
        Assert.StartsWith("HTTP/1.1 200", await Get(kept)); // still open, same port
        using var second = new RawClient(node.Public()); // over max-connections = 1 now: refused with 503
        Assert.StartsWith("HTTP/1.1 503", await Get(second));
    }

    [Fact]
    public async Task AForwardListener_IsAddedLive_AndATakenAddressRefusesTheRevisionWhole()
    {
        await using var backend = new RawBackend();
        var dataDir = TestDataDirectory.Create();
        await using var node = await TestNode.StartAsync(Body(backend.Port), dataDir: dataDir);
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen(1);
        const string forward = """
            listeners = [ { name = public, address = "127.0.0.1:0", mode = reverse },
                          { name = fwd, address = "127.0.0.1:0", mode = forward, allow-targets = [ "127.0.0.0/8" ] } ]
            """;

        var (added, _) = await Apply(node, TestNode.Hocon(Body(backend.Port, forward), null, dataDir));

        Assert.Equal(HttpStatusCode.OK, added);
        using (var viaForward = new RawClient(node.Listeners["fwd"]))
        {
            // A forward listener (X1) sends a request only through an upstream proxy: without X-Proxy-To (and no default
            // upstream) it says so, where a reverse listener would have routed the request to the pool.
            viaForward.Send($"GET http://127.0.0.1:{backend.Port}/fwd HTTP/1.1\r\nHost: 127.0.0.1:{backend.Port}\r\n\r\n");
            var answer = await viaForward.ReadResponsesAsync(1, Wait);
            Assert.StartsWith("HTTP/1.1 400", answer);
            Assert.Contains("X-Proxy-To", answer);
        }
        Assert.DoesNotContain(backend.Requests, r => r.Head.Contains("/fwd"));

        var busy = $$"""listeners = [ { name = public, address = "127.0.0.1:0", mode = reverse }, { name = busy, address = "{{taken.LocalEndPoint}}" } ]""";
        var (inUse, busyProblems) = await Apply(node, TestNode.Hocon(Body(backend.Port, busy), null, dataDir));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, inUse);
        Assert.Equal("proxy.listeners[1].address", busyProblems.GetProperty("problems")[0].GetProperty("path").GetString());
        Assert.Contains("in use", busyProblems.GetProperty("problems")[0].GetProperty("message").GetString());
        Assert.Equal(["fwd", "public"], node.Listeners.Keys.Where(k => k != Proxy.Actors.Caching.Peers.CachePeerListener.Name).Order());
        using var client = new RawClient(node.Public());
        Assert.StartsWith("HTTP/1.1 200", await Get(client));
    }

    [Fact]
    public async Task ATlsListenersNewCertificates_ServeNewConnections_WhileAnOpenOneKeepsWorking()
    {
        await using var backend = new RawBackend();
        var dataDir = TestDataDirectory.Create();
        var a = TestCertificates.Write(dataDir, "a", "site.test");
        var b = TestCertificates.Write(dataDir, "b", "site.test");
        string Tls(TestCertificates.Pem pem) => $$""", tls { certificates = [ { cert = "{{pem.CertPath}}", key = "{{pem.KeyPath}}" } ] }""";
        await using var node = await TestNode.StartAsync(Body(backend.Port), Tls(a), dataDir);
        await using var before = await TlsClient.ConnectAsync(node.Public(), "site.test");
        Assert.Equal(a.Certificate.Thumbprint, before.ServerCertificate.Thumbprint);

        var (status, _) = await Apply(node, TestNode.Hocon(Body(backend.Port), Tls(b), dataDir));

        Assert.Equal(HttpStatusCode.OK, status);
        await using var after = await TlsClient.ConnectAsync(node.Public(), "site.test");
        Assert.Equal(b.Certificate.Thumbprint, after.ServerCertificate.Thumbprint);
        Assert.StartsWith("HTTP/1.1 200", await after.GetAsync("/x"));
        Assert.StartsWith("HTTP/1.1 200", await before.GetAsync("/x")); // the open connection keeps its session
    }

    /// <summary>A TLS client that accepts any certificate and shows which one it got.</summary>
    private sealed class TlsClient : IAsyncDisposable
    {
        private readonly TcpClient _tcp;
        private readonly System.Net.Security.SslStream _ssl;

        private TlsClient(TcpClient tcp, System.Net.Security.SslStream ssl)
        {
            _tcp = tcp;
            _ssl = ssl;
        }

        public System.Security.Cryptography.X509Certificates.X509Certificate2 ServerCertificate =>
            new(_ssl.RemoteCertificate!);

        public static async Task<TlsClient> ConnectAsync(IPEndPoint endpoint, string name)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync(endpoint);
            var ssl = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
            await ssl.AuthenticateAsClientAsync(name);
            return new TlsClient(tcp, ssl);
        }

        public async Task<string> GetAsync(string path)
        {
            await _ssl.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: site.test\r\n\r\n"));
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(Wait);
            var n = await _ssl.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, n);
        }

        public async ValueTask DisposeAsync()
        {
            await _ssl.DisposeAsync();
            _tcp.Dispose();
        }
    }

    private static bool CanConnect(IPEndPoint endpoint)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(endpoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
