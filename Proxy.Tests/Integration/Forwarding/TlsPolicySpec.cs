using System.Diagnostics;
using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Forwarding;

/// <summary>Issue 19, point 3, checked with openssl s_client: the Mozilla-intermediate default, a listener's
/// min-version, cipher-suites, session-tickets and handshake-timeout, and failed handshakes logged with their reason.
/// The test certificates are ECDSA (P-256), so the TLS 1.2 suites in play are the ECDHE-ECDSA ones.</summary>
public sealed class TlsPolicySpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("proxy-tls-policy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<ProxyNode> StartNode(int backendPort, string settings = "", string proxyExtra = "")
    {
        var a = TestCertificates.Write(_dir, "a", "a.test");
        return await TestNode.StartAsync(TestNode.PoolFor(backendPort) + "\n" + proxyExtra,
            $$""", tls { certificates = [ { cert = "{{a.CertPath}}", key = "{{a.KeyPath}}" } ] {{settings}} }""");
    }

    private static Task<string> SClient(ProxyNode node, params string[] extra) => OpenSslClient.RunAsync(node.Public().Port, "a.test", extra);

    private static async Task<bool> Tls12With(ProxyNode node, string openSslCipher) =>
        (await SClient(node, "-tls1_2", "-cipher", openSslCipher)).Contains($"New, TLSv1.2, Cipher is {openSslCipher}");

    [Fact]
    public async Task TheDefault_IsMozillaIntermediate_AeadWithChaCha20_NoCbc_AndTls13()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("ok"));
        await using var node = await StartNode(backend.Port);

        foreach (var accepted in new[] { "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305" })
            Assert.True(await Tls12With(node, accepted), $"{accepted} should be accepted");
        foreach (var refused in new[] { "ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA" })
            Assert.False(await Tls12With(node, refused), $"{refused} (CBC) should be refused");
        foreach (var suite in new[] { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" })
            Assert.Contains($"New, TLSv1.3, Cipher is {suite}", await SClient(node, "-tls1_3", "-ciphersuites", suite));
    }

    [Fact]
    public async Task MinVersion13_RefusesTls12WithAProtocolVersionAlert_AndLogsWhy()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("ok"));
        await using var node = await StartNode(backend.Port, """, min-version = "1.3" """, "log-level = debug");
        var log = NodeDebugLog.Attach(node, "TLS handshake on listener");

        var tls12 = await SClient(node, "-tls1_2");
        Assert.Contains("alert protocol version", tls12);
        Assert.DoesNotContain("New, TLSv1.2", tls12);
        Assert.Contains("New, TLSv1.3", await SClient(node, "-tls1_3"));
        await log.Contains("failed: ProtocolVersion");
    }

    [Fact]
    public async Task CipherSuites_LimitTls12ToTheListedOnes_AndANoSharedCipherIsLogged()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("ok"));
        await using var node = await StartNode(backend.Port, ", cipher-suites = [ TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 ]", "log-level = debug");
        var log = NodeDebugLog.Attach(node, "TLS handshake on listener");

        Assert.True(await Tls12With(node, "ECDHE-ECDSA-AES256-GCM-SHA384"));
        Assert.False(await Tls12With(node, "ECDHE-ECDSA-AES128-GCM-SHA256"));
        Assert.False(await Tls12With(node, "ECDHE-ECDSA-CHACHA20-POLY1305"));
        Assert.Contains("New, TLSv1.3", await SClient(node)); // TLS 1.3's suites stay on
        await log.Contains("failed: NoSharedCipher");
    }

    /// <summary>TLS 1.3 resumption with a ticket: on by default, off with session-tickets = off. s_client sends a
    /// request and reads until the node closes, so it receives the tickets sent after the handshake.</summary>
    [Theory]
    [InlineData("", true)]
    [InlineData(", session-tickets = off", false)]
    public async Task SessionResumption_IsOnByDefault_AndOffWithSessionTicketsOff(string settings, bool resumed)
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("ok"));
        await using var node = await StartNode(backend.Port, settings);
        var session = Path.Combine(_dir, "session.pem");
        const string request = "GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n";
        var port = node.Public().Port;

        var first = await OpenSslClient.RunAsync(port, "a.test", request, "-ign_eof", "-sess_out", session);
        Assert.True(first.Contains("New, TLSv1.3") && first.Contains("HTTP/1.1 200"), first);
        if (!resumed && !File.Exists(session)) return; // no ticket at all: nothing to resume with
        var second = await OpenSslClient.RunAsync(port, "a.test", request, "-ign_eof", "-sess_in", session);
        Assert.True(second.Contains(resumed ? "Reused, TLSv1.3" : "New, TLSv1.3"), second);
    }

    /// <summary>A client limited to TLS 1.2 is served only the listener's suites, while TLS 1.3 clients are answered
    /// with TLS 1.3 (the per-hello split of <c>TlsListenerOptions</c>).</summary>
    [Fact]
    public async Task ATls12OnlyClient_GetsTheListenersSuites_ATls13ClientGetsTls13()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("ok"));
        await using var node = await StartNode(backend.Port);
        Assert.Contains("New, TLSv1.3", await SClient(node));
        Assert.Contains("New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256", await SClient(node, "-tls1_2")); // server order
    }

    /// <summary>A hello that arrives in pieces (its first bytes, a pause, the rest) is read whole before the handshake.</summary>
    [Fact]
    public async Task AHelloThatArrivesInPieces_IsStillServed()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("pieces"));
        await using var node = await StartNode(backend.Port);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(node.Public());
        socket.NoDelay = true;
        await using var ssl = new System.Net.Security.SslStream(new SplitFirstWrite(new System.Net.Sockets.NetworkStream(socket, ownsSocket: false)));
        await ssl.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "a.test",
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, ssl.SslProtocol);
        await ssl.WriteAsync("GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n"u8.ToArray());
        var answer = await new StreamReader(ssl).ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200", answer);
    }

    /// <summary>Sends the first write's first 3 bytes, waits, then the rest (a TLS record header split in two).</summary>
    private sealed class SplitFirstWrite(Stream inner) : Stream
    {
        private bool _split;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_split && buffer.Length > 3)
            {
                _split = true;
                await inner.WriteAsync(buffer[..3], cancellationToken);
                await inner.FlushAsync(cancellationToken);
                await Task.Delay(200, cancellationToken);
                buffer = buffer[3..];
            }
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, default).GetAwaiter().GetResult();
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    [Fact]
    public async Task AClientThatSendsNoHello_IsClosedAfterTheHandshakeTimeout_AndTheTimeoutIsLogged()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("ok"));
        // request-head stays at its 10 s default: the handshake no longer borrows it.
        await using var node = await StartNode(backend.Port, ", handshake-timeout = 500ms", "log-level = debug");
        var log = NodeDebugLog.Attach(node, "TLS handshake on listener");

        using var silent = new RawClient(node.Public());
        var watch = Stopwatch.StartNew();
        await silent.ReadUntilClosedAsync(TimeSpan.FromSeconds(8), requireClose: true);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(8));
        await log.Contains("failed: TimedOut");
    }

    [Fact]
    public async Task AClientThatRejectsOurCertificate_IsLoggedAsSuch()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("ok"));
        await using var node = await StartNode(backend.Port, "", "log-level = debug");
        var log = NodeDebugLog.Attach(node, "TLS handshake on listener");
        // Verification against the system store fails for a test certificate: s_client sends an unknown-CA alert.
        await SClient(node, "-verify_return_error", "-tls1_2");
        await log.Contains("failed: CertificateRejected");
    }
}
