using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Proxy.Tests.Integration.Support;
using Xunit;
using Xunit.Abstractions;

namespace Proxy.Tests.Integration.Middleware;

/// <summary>E4 through a real node: which responses are compressed and how their heads change, round trips of gzip
/// and Brotli (decompressed and hashed), and a large compressible download streaming with bounded node memory.</summary>
public sealed class CompressionSpec(ITestOutputHelper output)
{
    private static readonly string Text = string.Concat(Enumerable.Repeat("compress me, I repeat myself. ", 200)); // 6,000 bytes

    private static byte[] Answer(string status, string headers, string body) =>
        Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\n{headers}Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");

    private static Task<Proxy.Node.Hosting.ProxyNode> Node(RawBackend backend, string compression = "compression { }") =>
        TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            defaults { request-id { enabled = off } }
            routes = [ { name = r, pool = main, {{compression}} } ]
            """);

    private static async Task<(HttpResponseMessage Response, byte[] Body)> Get(Proxy.Node.Hosting.ProxyNode node, string path,
        string? acceptEncoding, HttpMethod? method = null)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.None });
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(node.BaseUri(), path));
        if (acceptEncoding is not null) request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        var response = await client.SendAsync(request);
        return (response, await response.Content.ReadAsByteArrayAsync());
    }

    private static string Decompress(string coding, byte[] body)
    {
        using Stream decoder = coding == "br"
            ? new BrotliStream(new MemoryStream(body), CompressionMode.Decompress)
            : new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var reader = new StreamReader(decoder, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [Theory]
    [InlineData("gzip", "gzip")]
    [InlineData("br", "br")]
    [InlineData("gzip, br", "br")]
    [InlineData("br;q=0.2, gzip;q=0.9", "gzip")]
    public async Task AnAcceptedCoding_CompressesTheBody_AndTheHeadSaysSo(string accept, string coding)
    {
        await using var backend = new RawBackend(_ => Answer("200 OK", "Content-Type: text/html; charset=utf-8\r\nETag: \"v1\"\r\nVary: Cookie\r\n", Text));
        await using var node = await Node(backend);
        var (response, body) = await Get(node, "/page", accept);

        Assert.Equal(coding, Assert.Single(response.Content.Headers.ContentEncoding));
        Assert.True(response.Headers.TransferEncodingChunked); // Content-Length went with the original bytes
        Assert.Equal("W/\"v1\"", response.Headers.ETag?.ToString());
        Assert.Equal(["Cookie", "Accept-Encoding"], response.Headers.Vary);
        Assert.True(body.Length < Text.Length / 10, $"{body.Length} bytes");
        Assert.Equal(Text, Decompress(coding, body));
        // The backend still got the client's Accept-Encoding: it may compress itself (then the node leaves it).
        Assert.Equal(accept, Assert.Single(backend.Requests).Header("Accept-Encoding"));
    }

    [Theory]
    [InlineData(null, "Content-Type: text/plain\r\n", "/", true)] // no Accept-Encoding: identity, but Vary
    [InlineData("gzip;q=0", "Content-Type: text/plain\r\n", "/", true)]
    [InlineData("gzip", "Content-Type: image/png\r\n", "/", false)] // not a configured type
    [InlineData("gzip", "", "/", false)] // no type at all
    [InlineData("gzip", "Content-Type: text/plain\r\nContent-Encoding: gzip\r\n", "/", false)] // encoded already
    [InlineData("gzip", "Content-Type: text/plain\r\nCache-Control: public, no-transform\r\n", "/", false)]
    [InlineData("gzip", "Content-Type: text/plain\r\n", "/small", false)] // under min-size
    public async Task OtherResponses_PassAsTheyCame(string? accept, string headers, string path, bool vary)
    {
        await using var backend = new RawBackend(r => Answer("200 OK", headers, r.RequestLine.Contains("/small") ? "tiny" : Text));
        await using var node = await Node(backend);
        var (response, body) = await Get(node, path, accept);

        Assert.Equal(path == "/small" ? 4 : Text.Length, response.Content.Headers.ContentLength);
        Assert.Equal(path == "/small" ? "tiny" : Text, Encoding.UTF8.GetString(body));
        Assert.Equal(vary, response.Headers.Vary.Contains("Accept-Encoding"));
    }

    [Theory]
    [InlineData("206 Partial Content")]
    [InlineData("304 Not Modified")]
    public async Task PartialAndNotModified_AreNeverCompressed(string status)
    {
        await using var backend = new RawBackend(_ => status.StartsWith("304")
            ? Encoding.ASCII.GetBytes("HTTP/1.1 304 Not Modified\r\nContent-Type: text/plain\r\nETag: \"v1\"\r\n\r\n")
            : Answer(status, "Content-Type: text/plain\r\nContent-Range: bytes 0-5999/12000\r\n", Text));
        await using var node = await Node(backend);
        var (response, _) = await Get(node, "/", "gzip");
        Assert.Empty(response.Content.Headers.ContentEncoding);
        if (status.StartsWith("304")) Assert.Equal("\"v1\"", response.Headers.ETag?.ToString()); // not weakened
    }

    [Fact]
    public async Task AnswersToHead_AreLeftAlone()
    {
        await using var backend = new RawBackend(_ => Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6000\r\n\r\n"));
        await using var node = await Node(backend);
        var (response, body) = await Get(node, "/", "gzip", HttpMethod.Head);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(6000, response.Content.Headers.ContentLength);
        Assert.Empty(body);
    }

    [Fact]
    public async Task AnHttp10Client_GetsTheCompressedBody_UntilTheConnectionCloses()
    {
        await using var backend = new RawBackend(_ => Answer("200 OK", "Content-Type: text/plain\r\n", Text));
        await using var node = await Node(backend, "compression { algorithms = [ gzip ] }");
        using var client = new RawClient(node.Public());
        client.Send("GET / HTTP/1.0\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
        var raw = Encoding.Latin1.GetBytes(await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(5), requireClose: true));
        var headEnd = Encoding.Latin1.GetString(raw).IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = Encoding.Latin1.GetString(raw, 0, headEnd);
        Assert.Contains("Content-Encoding: gzip", head);
        Assert.DoesNotContain("Transfer-Encoding", head);
        Assert.DoesNotContain("Content-Length", head);
        Assert.Equal(Text, Decompress("gzip", raw[(headEnd + 4)..]));
    }

    [Fact]
    public async Task ARouteCanTurnInheritedCompressionOff()
    {
        await using var backend = new RawBackend(_ => Answer("200 OK", "Content-Type: text/plain\r\n", Text));
        await using var node = await TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            defaults { compression { algorithms = [ gzip ], min-size = 0 } }
            routes = [ { name = raw, pool = main, match { path-prefix = "/raw" }, compression { enabled = off } }, { name = r, pool = main } ]
            """);
        Assert.Empty((await Get(node, "/raw", "gzip")).Response.Content.Headers.ContentEncoding);
        Assert.Equal("gzip", Assert.Single((await Get(node, "/other", "gzip")).Response.Content.Headers.ContentEncoding));
    }

    // 256 MiB in the suite; PROXY_STREAM_TEST_MIB=1024 checks the 1 GiB figure.
    private static readonly long Size =
        long.TryParse(Environment.GetEnvironmentVariable("PROXY_STREAM_TEST_MIB"), out var mib) ? mib * 1024 * 1024 : 256L * 1024 * 1024;

    [Theory]
    [InlineData("gzip", false)]
    [InlineData("br", true)]
    public async Task ALargeCompressibleDownload_StreamsCompressed_WithBoundedNodeMemory(string coding, bool chunked)
    {
        await using var backend = await KestrelBackend.StartAsync();
        var port = PortFinder.Free();
        var admin = PortFinder.Free();
        await using var node = NodeProcess.Start($$"""
            proxy {
              listeners = [ { name = public, address = "127.0.0.1:{{port}}", mode = reverse } ]
              admin { address = "127.0.0.1:{{admin}}" }
              access-log { enabled = off }
              pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ], timeouts { response = 60s } } }
              routes = [ { name = default, pool = main, compression { algorithms = [ {{coding}} ] } } ]
            }
            """);
        await node.WaitReadyAsync(admin, TimeSpan.FromSeconds(30));
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None }) { Timeout = TimeSpan.FromMinutes(5) };
        await http.GetAsync($"http://127.0.0.1:{port}/text?bytes=10000");
        var rss = new PeakRss(node);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/text?bytes={Size}&chunked={(chunked ? 1 : 0)}");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", coding);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(coding, Assert.Single(response.Content.Headers.ContentEncoding));
        var compressed = new CountingStream(await response.Content.ReadAsStreamAsync());
        await using Stream decoder = coding == "br"
            ? new BrotliStream(compressed, CompressionMode.Decompress)
            : new GZipStream(compressed, CompressionMode.Decompress);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        var reference = new byte[81920];
        long total = 0;
        int n;
        while ((n = await decoder.ReadAsync(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, n);
            TestData.FillText(reference.AsSpan(0, n), total);
            expected.AppendData(reference, 0, n);
            total += n;
        }
        await rss.DisposeAsync();

        Assert.Equal(Size, total);
        Assert.Equal(Convert.ToHexString(expected.GetHashAndReset()), Convert.ToHexString(sha.GetHashAndReset()));
        output.WriteLine($"{Size / 1048576} MiB as {coding} (chunked upstream: {chunked}): {compressed.Count / 1024} KiB on the wire; " +
                         $"node RSS {rss.Baseline / 1048576} MiB before, peak {rss.Peak / 1048576} MiB, growth {rss.Growth / 1048576} MiB");
        Assert.True(compressed.Count < Size / 20, $"{compressed.Count} bytes on the wire");
        Assert.True(rss.Growth < 150L * 1024 * 1024, $"node RSS grew by {rss.Growth / 1048576} MiB");
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }
        public override int Read(byte[] buffer, int offset, int count) => Add(inner.Read(buffer, offset, count));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Add(await inner.ReadAsync(buffer, cancellationToken));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        private int Add(int n)
        {
            Count += n;
            return n;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Count; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
