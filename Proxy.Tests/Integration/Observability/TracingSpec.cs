using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Observability;

/// <summary>
/// Issue 13 (O5): W3C trace context from the client to the backend through the node's CLIENT span, and the spans
/// exported over OTLP/HTTP to a receiver the test starts. (Activity listeners are process-wide, so other nodes running
/// in this test process may sample too: the specs assert what this node must do, never that nothing else happened.)
/// </summary>
public sealed class TracingSpec
{
    private static readonly Regex TraceParent = new("^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$");

    [Fact]
    public async Task ASampledClientTrace_ReachesTheBackend_AsAChildOfTheNodesAttempt()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port) + "\ntracing { sample-ratio = 0 }");
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var parentId = ActivitySpanId.CreateRandom().ToHexString();

        using var client = new RawClient(node.Public());
        client.Send($"GET /t HTTP/1.1\r\nHost: x\r\ntraceparent: 00-{traceId}-{parentId}-01\r\ntracestate: vendor=abc\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await client.ReadResponsesAsync(1, TimeSpan.FromSeconds(5)));

        var sent = Assert.Single(backend.Requests);
        var match = TraceParent.Match(sent.Header("traceparent") ?? "");
        Assert.True(match.Success, "traceparent upstream: " + sent.Header("traceparent"));
        Assert.Equal(traceId, match.Groups[1].Value); // the client's trace
        Assert.NotEqual(parentId, match.Groups[2].Value); // the node's attempt is the backend's parent
        Assert.Equal("01", match.Groups[3].Value); // the client's sampling decision is followed (ratio 0 here)
        Assert.Equal("vendor=abc", sent.Header("tracestate"));
    }

    [Fact]
    public async Task ARequestWithoutTraceContext_StillGetsOneUpstream_AndEachRequestItsOwnTrace()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port) + "\ntracing { sample-ratio = 0 }");
        using var client = new RawClient(node.Public());
        client.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.ReadResponsesAsync(2, TimeSpan.FromSeconds(5));

        var traces = backend.Requests.Select(r => TraceParent.Match(r.Header("traceparent") ?? "")).ToList();
        Assert.Equal(2, traces.Count);
        Assert.All(traces, m => Assert.True(m.Success));
        Assert.NotEqual(traces[0].Groups[1].Value, traces[1].Groups[1].Value);
    }

    [Fact]
    public async Task TracingOff_PassesTheClientsTraceContextUnchanged()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port) + "\ntracing { enabled = off }");
        var traceparent = $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
        using var client = new RawClient(node.Public());
        client.Send($"GET / HTTP/1.1\r\nHost: x\r\ntraceparent: {traceparent}\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.ReadResponsesAsync(2, TimeSpan.FromSeconds(5));

        Assert.Equal([traceparent, null], backend.Requests.Select(r => r.Header("traceparent")));
    }

    [Fact]
    public async Task SpansAreExportedOverOtlp_OneServerSpanPerRequest_AndAClientSpanPerAttempt_WithTheResendCount()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var answered = 0;
        // The first request to reach the backend gets 503 (retried), every later one 200.
        await using var backend = new RawBackend(_ => Interlocked.Increment(ref answered) == 1
            ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"u8.ToArray()
            : RawBackend.Ok("ok"));
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port) +
            $"\ntracing {{ sample-ratio = 1, otlp-endpoint = \"{receiver.Endpoint}\" }}");
        var traceId = ActivityTraceId.CreateRandom();

        using var client = new RawClient(node.Public());
        client.Send($"GET /traced HTTP/1.1\r\nHost: x\r\nX-Request-ID: req-42\r\ntraceparent: 00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await client.ReadResponsesAsync(1, TimeSpan.FromSeconds(5)));
        Assert.Equal(2, backend.Requests.Count);

        var traceBytes = new byte[16];
        traceId.CopyTo(traceBytes);
        await Eventually.Holds(() => receiver.Received(traceBytes, Bytes("GET default"), Bytes("http.request.resend_count"),
            Bytes("req-42"), Bytes("proxy.request_id")), TimeSpan.FromSeconds(15), "the request's spans exported");
        Assert.All(receiver.Exports, e => Assert.Equal("application/x-protobuf", e.ContentType));
    }

    [Fact]
    public async Task AnL4Session_IsOneSpan_FromAcceptToClose_WithTheBackendItWasSplicedTo()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var echo = new TcpEchoServer();
        var dead = PortFinder.Free();
        await using var node = await TestNode.StartAsync($$"""
            pools { echo { policy = round-robin, backends = [ "127.0.0.1:{{echo.Port}}" ] }, nowhere { backends = [ "127.0.0.1:{{dead}}" ], retries { attempts = 0 } } }
            routes = [ { name = default, pool = echo } ]
            tcp-routes = [ { name = echo, listen = "127.0.0.1:0", pool = echo }, { name = lost, listen = "127.0.0.1:0", pool = nowhere } ]
            tracing { sample-ratio = 1, otlp-endpoint = "{{receiver.Endpoint}}" }
            """);

        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(node.Listeners["tcp:echo"]);
            await socket.SendAsync("ping"u8.ToArray(), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[1024];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0) { }
        }
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(node.Listeners["tcp:lost"]);
            Assert.Equal(0, await socket.ReceiveAsync(new byte[16], SocketFlags.None)); // closed: no backend took it
        }

        await Eventually.Holds(() => receiver.Received(Bytes("TCP echo"), Bytes("proxy.connect_attempts"), Bytes("server.address")),
            TimeSpan.FromSeconds(15), "the spliced session's span exported");
        await Eventually.Holds(() => receiver.Received(Bytes("TCP lost"), Bytes("upstream_connect_failed")),
            TimeSpan.FromSeconds(15), "the refused session's span exported with its error");
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
