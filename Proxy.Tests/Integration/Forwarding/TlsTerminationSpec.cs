using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Forwarding;

/// <summary>E1: TLS termination on a listener, certificates chosen by SNI, reloaded when their files change.</summary>
public sealed class TlsTerminationSpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("proxy-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<ProxyNode> StartNode(int backendPort, TestCertificates.Pem a, TestCertificates.Pem b) => TestNode.StartAsync(
        TestNode.PoolFor(backendPort),
        $$""", tls { reload-interval = 200ms, certificates = [ { cert = "{{a.CertPath}}", key = "{{a.KeyPath}}" }, { cert = "{{b.CertPath}}", key = "{{b.KeyPath}}" } ] }""");

    private static async Task<(SslStream Stream, X509Certificate2 Certificate)> Handshake(ProxyNode node, string? serverName)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(node.Public());
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        X509Certificate2? seen = null;
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName ?? "",
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                seen = new X509Certificate2(certificate!);
                return true;
            },
        });
        return (ssl, seen!);
    }

    private static async Task<string> Get(SslStream ssl, string host, bool close)
    {
        await ssl.WriteAsync(Encoding.ASCII.GetBytes($"GET /tls HTTP/1.1\r\nHost: {host}\r\n{(close ? "Connection: close\r\n" : "")}\r\n"));
        var buffer = new byte[16384];
        var text = new StringBuilder();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!text.ToString().Contains("\r\n\r\n") || !ResponseComplete(text.ToString()))
        {
            var n = await ssl.ReadAsync(buffer, cts.Token);
            if (n == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    private static bool ResponseComplete(string text)
    {
        var head = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var lengthAt = text.IndexOf("Content-Length: ", StringComparison.OrdinalIgnoreCase);
        if (head < 0 || lengthAt < 0 || lengthAt > head) return head >= 0;
        var end = text.IndexOf("\r\n", lengthAt, StringComparison.Ordinal);
        var length = int.Parse(text[(lengthAt + 16)..end]);
        return text.Length - (head + 4) >= length;
    }

    [Fact]
    public async Task TwoServerNames_GetTwoCertificates_TheDefaultCoversTheRest_AndRequestsAreProxiedWithHttpsForwarded()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("over tls"));
        var a = TestCertificates.Write(_dir, "a", "a.test");
        var b = TestCertificates.Write(_dir, "b", "b.test", "*.b.test");
        await using var node = await StartNode(backend.Port, a, b);

        var (sslA, certA) = await Handshake(node, "a.test");
        var (sslB, certB) = await Handshake(node, "api.b.test");
        var (sslD, certD) = await Handshake(node, "unknown.test");
        Assert.Equal(a.Certificate.Thumbprint, certA.Thumbprint);
        Assert.Equal(b.Certificate.Thumbprint, certB.Thumbprint);
        Assert.Equal(a.Certificate.Thumbprint, certD.Thumbprint);
        Assert.True(sslA.SslProtocol >= SslProtocols.Tls12);

        var response = await Get(sslB, "api.b.test", close: false);
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.EndsWith("over tls", response);
        Assert.Contains("X-Forwarded-Proto: https", backend.Requests.Single().Head);
        await sslA.DisposeAsync();
        await sslB.DisposeAsync();
        await sslD.DisposeAsync();
    }

    [Fact]
    public async Task CurlWithResolve_SeesADifferentCertificatePerName()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("curl"));
        var a = TestCertificates.Write(_dir, "a", "a.test");
        var b = TestCertificates.Write(_dir, "b", "b.test");
        await using var node = await StartNode(backend.Port, a, b);
        var port = node.Public().Port;
        foreach (var (name, expected) in new[] { ("a.test", "a.test"), ("b.test", "b.test") })
        {
            var info = new ProcessStartInfo("curl", ["-sS", "-v", "--cacert", expected == "a.test" ? a.CertPath : b.CertPath,
                "--resolve", $"{name}:{port}:127.0.0.1", $"https://{name}:{port}/"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var curl = Process.Start(info)!;
            var stdout = await curl.StandardOutput.ReadToEndAsync();
            var stderr = await curl.StandardError.ReadToEndAsync();
            await curl.WaitForExitAsync();
            Assert.True(curl.ExitCode == 0, stderr);
            Assert.Equal("curl", stdout);
            Assert.Contains($"CN={expected}", stderr.Replace(" = ", "=").Replace("CN = ", "CN="));
        }
    }

    [Fact]
    public async Task AReplacedCertificate_IsServedToNewHandshakes_WhileAnOpenConnectionKeepsWorking()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("still"));
        var a = TestCertificates.Write(_dir, "a", "a.test");
        var b = TestCertificates.Write(_dir, "b", "b.test");
        await using var node = await StartNode(backend.Port, a, b);

        var (open, before) = await Handshake(node, "a.test");
        Assert.Equal(a.Certificate.Thumbprint, before.Thumbprint);
        Assert.StartsWith("HTTP/1.1 200", await Get(open, "a.test", close: false));

        var renewed = TestCertificates.Write(_dir, "a", "a.test");
        Assert.NotEqual(a.Certificate.Thumbprint, renewed.Certificate.Thumbprint);
        await Eventually.Holds(async () =>
        {
            var (probe, seen) = await Handshake(node, "a.test");
            await probe.DisposeAsync();
            return seen.Thumbprint == renewed.Certificate.Thumbprint;
        }, TimeSpan.FromSeconds(10), "a new handshake gets the renewed certificate");

        // The connection opened before the change was not dropped.
        Assert.StartsWith("HTTP/1.1 200", await Get(open, "a.test", close: true));
        await open.DisposeAsync();
    }

    /// <summary>Issue 19, point 3: plain HTTP on the TLS port gets a 400 saying the port expects TLS (as nginx
    /// answers), then the connection closes; bytes that are neither TLS nor HTTP are closed silently; the listener
    /// keeps serving and nothing reaches the backend.</summary>
    [Fact]
    public async Task PlainHttpGets400SayingThePortExpectsTls_GarbageIsClosed_AndTheListenerKeepsServing()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("ok"));
        var a = TestCertificates.Write(_dir, "a", "a.test");
        var b = TestCertificates.Write(_dir, "b", "b.test");
        await using var node = await StartNode(backend.Port, a, b);
        using (var plain = new RawClient(node.Public()))
        {
            plain.Send("GET / HTTP/1.1\r\nHost: a.test\r\nUser-Agent: plain\r\n\r\n");
            var answer = await plain.ReadUntilClosedAsync(TimeSpan.FromSeconds(10), requireClose: true);
            Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", answer);
            Assert.Contains("\r\nConnection: close\r\n", answer);
            Assert.EndsWith("\r\n\r\nThis port expects TLS: send the request with https://\n", answer);
        }
        using (var garbage = new RawClient(node.Public()))
        {
            garbage.Send("\u0001\u0002\u0003 not a hello\r\n\r\n");
            Assert.DoesNotContain("HTTP/", await garbage.ReadUntilClosedAsync(TimeSpan.FromSeconds(10), requireClose: true));
        }
        var (ssl, _) = await Handshake(node, "a.test");
        Assert.StartsWith("HTTP/1.1 200", await Get(ssl, "a.test", close: true));
        await ssl.DisposeAsync();
        Assert.DoesNotContain(backend.Requests, r => r.RequestLine.StartsWith("GET / "));
    }

    [Fact]
    public async Task AMissingOrInvalidCertificate_FailsTheStartWithItsName()
    {
        var a = TestCertificates.Write(_dir, "a", "a.test");
        var broken = Path.Combine(_dir, "broken.crt.pem");
        await File.WriteAllTextAsync(broken, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
        var error = await Assert.ThrowsAsync<ConfigFileException>(() => TestNode.StartAsync(TestNode.PoolFor(1),
            $$""", tls { certificates = [ { cert = "{{broken}}", key = "{{a.KeyPath}}" } ] }"""));
        Assert.Contains("TLS certificate could not be loaded", error.Message);

        var missing = await Assert.ThrowsAsync<ConfigFileException>(() => TestNode.StartAsync(TestNode.PoolFor(1),
            $$""", tls { certificates = [ { cert = "{{_dir}}/nope.pem", key = "{{a.KeyPath}}" } ] }"""));
        Assert.Contains("TLS certificate could not be loaded", missing.Message);
        Assert.Contains("nope.pem", missing.Message);
    }

    /// <summary>Point 1 of issue 19: a fullchain.pem (leaf, then intermediate) is sent whole; a client that trusts
    /// only the root, downloads nothing and uses no store verifies the handshake and sees two certificates; the same
    /// after the files are replaced with a renewed chain.</summary>
    [Fact]
    public async Task AFullChainFile_IsSentWhole_SoAClientTrustingOnlyTheRootVerifiesIt_AlsoAfterAReload()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("chained"));
        var (pem, root, _) = TestCertificates.WriteChain(_dir, "chain", names: "chain.test");
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port),
            $$""", tls { reload-interval = 200ms, certificates = [ { cert = "{{pem.CertPath}}", key = "{{pem.KeyPath}}" } ] }""");

        var first = await VerifiedHandshake(node, root);
        Assert.Equal(2, first.Sent);
        Assert.Equal(pem.Certificate.Thumbprint, first.Leaf);
        // The same with openssl s_client, trusting only the root: both certificates shown, verification ok.
        var rootFile = Path.Combine(_dir, "root.pem");
        await File.WriteAllTextAsync(rootFile, root.ExportCertificatePem());
        var sclient = await OpenSslClient.RunAsync(node.Public().Port, "chain.test", "-showcerts", "-CAfile", rootFile, "-verify_return_error");
        Assert.Contains(" 0 s:CN = chain.test", sclient);
        Assert.Contains(" 1 s:CN = Proxy Test Intermediate", sclient);
        Assert.Contains("Verify return code: 0 (ok)", sclient);

        var (renewed, renewedRoot, _) = TestCertificates.WriteChain(_dir, "chain", names: "chain.test");
        await Eventually.Holds(async () => (await VerifiedHandshake(node, renewedRoot, throwOnError: false)).Leaf == renewed.Certificate.Thumbprint,
            TimeSpan.FromSeconds(10), "the renewed chain is served and verifies against its root");
        Assert.Equal(2, (await VerifiedHandshake(node, renewedRoot)).Sent);
    }

    /// <summary>Point 2 of issue 19, with openssl s_client: ALPN selects http/1.1; a client offering only a protocol
    /// we do not speak gets the no_application_protocol alert (RFC 7301 §3.2); a client without ALPN is served.</summary>
    [Fact]
    public async Task Alpn_SelectsHttp11_RefusesAnUnknownProtocolWithAlert120_AndServesClientsWithoutAlpn()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("alpn"));
        var a = TestCertificates.Write(_dir, "a", "a.test");
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port),
            $$""", tls { certificates = [ { cert = "{{a.CertPath}}", key = "{{a.KeyPath}}" } ] }""");

        var http11 = await SClient(node, "-alpn", "http/1.1");
        Assert.Contains("ALPN protocol: http/1.1", http11);
        var unknown = await SClient(node, "-alpn", "foo");
        Assert.Contains("no application protocol", unknown);
        Assert.DoesNotContain("ALPN protocol: foo", unknown);
        var none = await SClient(node);
        Assert.Contains("No ALPN negotiated", none);
        Assert.Contains("New, TLSv1.3", none); // the handshake completed
    }

    private static Task<string> SClient(ProxyNode node, params string[] extra) =>
        OpenSslClient.RunAsync(node.Public().Port, "a.test", extra);

    /// <summary>Some tools put the chain in the key file: it is sent after the leaf as well.</summary>
    [Fact]
    public async Task AChainInTheKeyFile_IsSentToo()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("chained"));
        var (pem, root, intermediate) = TestCertificates.WriteChain(_dir, "keychain", (_, _) => [], "chain.test");
        await File.AppendAllTextAsync(pem.KeyPath, "\n" + intermediate.ExportCertificatePem() + "\n");
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port),
            $$""", tls { certificates = [ { cert = "{{pem.CertPath}}", key = "{{pem.KeyPath}}" } ] }""");
        Assert.Equal(2, (await VerifiedHandshake(node, root)).Sent);
    }

    private static async Task<(int Sent, string? Leaf)> VerifiedHandshake(ProxyNode node, X509Certificate2 root, bool throwOnError = true)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.Add(root);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(node.Public());
        await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false));
        var sent = 0;
        string? leaf = null;
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "chain.test",
                CertificateChainPolicy = policy,
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    // Every certificate the server sent (the leaf included) is in the chain's extra store.
                    sent = chain!.ChainPolicy.ExtraStore.Count;
                    leaf = new X509Certificate2(certificate!).Thumbprint;
                    return errors == SslPolicyErrors.None;
                },
            });
        }
        catch (AuthenticationException) when (!throwOnError)
        {
            return (0, null);
        }
        return (sent, leaf);
    }

    [Theory]
    [InlineData("reversed", "is not the issuer of the one before it")]
    [InlineData("unrelated", "does not belong to this chain")]
    public async Task AChainThatDoesNotLink_IsRefusedAtStart_NamingTheFile(string kind, string reason)
    {
        var stranger = TestCertificates.Write(_dir, "stranger", "stranger.test").Certificate;
        var (pem, _, _) = TestCertificates.WriteChain(_dir, "bad", kind == "reversed"
            ? (intermediate, root) => [root, intermediate]
            : (intermediate, _) => [intermediate, stranger], "bad.test");
        var error = await Assert.ThrowsAsync<ConfigFileException>(() => TestNode.StartAsync(TestNode.PoolFor(1),
            $$""", tls { certificates = [ { cert = "{{pem.CertPath}}", key = "{{pem.KeyPath}}" } ] }"""));
        Assert.Contains(pem.CertPath, error.Message);
        Assert.True(error.Message.Contains(reason, StringComparison.Ordinal), error.Message);
        Assert.Equal("proxy.listeners[0].tls.certificates", error.Path);
    }
}
