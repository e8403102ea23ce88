using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.IO;
using Proxy.Actors.Pools;
using Proxy.Actors.Upstream;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;
using Xunit;

namespace Proxy.Tests.Upstream;

/// <summary>
/// Issue 12: the upstream side of an exchange driven without a stream or an actor: a real backend socket on 127.0.0.1,
/// and an owner that is just the wake callback the channel reports through (the exchange stage gives its async
/// callback instead). The channel writes, reads, parses and de-frames; the pool gets its connections back or closed.
/// </summary>
public sealed class UpstreamChannelTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Backend _backend;

    public UpstreamChannelTests()
    {
        _listener.Start();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _backend = new Backend(new BackendSettings { Address = "127.0.0.1:" + port, Host = "127.0.0.1", Port = port },
            new UpstreamConnectionSettings());
    }

    public void Dispose()
    {
        _listener.Stop();
        _backend.Connections.Dispose();
    }

    /// <summary>The channel's owner: its wake callback completes the awaited operation.</summary>
    private sealed class Owner
    {
        private TaskCompletionSource<Task<UpstreamConnection>> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Owner() => Channel = new UpstreamChannel(Wake);

        private void Wake(object signal)
        {
            if (ReferenceEquals(signal, UpstreamChannel.SendCompleted)) _sent.TrySetResult();
            else if (ReferenceEquals(signal, UpstreamChannel.ReceiveCompleted)) _received.TrySetResult();
            else _connected.TrySetResult((Task<UpstreamConnection>)signal);
        }

        public UpstreamChannel Channel { get; }

        public Task<Task<UpstreamConnection>> Connected => _connected.Task;

        public async Task<bool> Sent(bool completedNow)
        {
            if (!completedNow)
            {
                await _sent.Task.WaitAsync(Wait);
                _sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            return Channel.EndSend();
        }

        /// <summary>One receive: the bytes read, 0 for FIN, -1 for an error; null when the head limit stopped it.</summary>
        public async Task<int?> Receive(int maxHeadBytes = 64 * 1024)
        {
            var start = Channel.Receive(maxHeadBytes);
            if (start == ReceiveStart.HeadTooLarge) return null;
            if (start == ReceiveStart.Pending)
            {
                await _received.Task.WaitAsync(Wait);
                _received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            return Channel.EndReceive();
        }

        public async Task Connect(Backend backend)
        {
            Assert.True(backend.Connections.TryReserve());
            var connect = UpstreamConnector.ConnectAsync(backend, Wait);
            if (!Channel.Await(connect, backend)) Assert.Same(connect, await Connected.WaitAsync(Wait));
            Channel.ConnectSettled();
            Channel.Use(await connect, reused: false);
        }

        /// <summary>Reads a whole response: its head (interim ones skipped) and its de-framed body.</summary>
        public async Task<(HttpResponseHead Head, string Body)> ReadResponse(bool forHead = false)
        {
            HttpResponseHead? head = null;
            while (true)
            {
                var status = Channel.Buffered > 0
                    ? Channel.ParseHead(forHead, 64 * 1024, 100, out head, out var error)
                    : ParseStatus.Incomplete;
                Assert.NotEqual(ParseStatus.Invalid, status);
                if (status == ParseStatus.Complete && !head!.IsInterim) break;
                if (status == ParseStatus.Complete) continue;
                Assert.True(await Receive() > 0, "the backend closed before its response head");
            }
            Channel.BeginBody(head!);
            var body = new StringBuilder();
            if (head.Framing == BodyFraming.None) return (head, "");
            while (true)
            {
                if (Channel.Buffered > 0)
                {
                    var data = Channel.TakeBody(out var complete, out _, out var bad);
                    Assert.Null(bad);
                    body.Append(Encoding.ASCII.GetString(data.ToArray()));
                    if (complete) return (head, body.ToString());
                }
                var n = await Receive();
                if (n == 0 && Channel.ResponseFraming == BodyFraming.UntilClose) return (head, body.ToString());
                Assert.True(n > 0, "the backend closed mid-body");
            }
        }
    }

    private static HttpRequestHead Get(string target, bool chunked = false)
    {
        var headers = new HttpHeaderList();
        headers.Add("Host", "backend");
        if (chunked) headers.Add("Transfer-Encoding", "chunked");
        return new HttpRequestHead
        {
            Method = chunked ? "POST" : "GET", Target = target, Path = target, Query = "", Version = 11, Headers = headers,
            Host = "backend", Authority = "backend", Chunked = chunked,
        };
    }

    /// <summary>Reads from the backend's side until <paramref name="marker"/> has arrived; returns what came.</summary>
    private static async Task<string> ReadUntil(Socket socket, string marker)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (!text.ToString().Contains(marker))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Wait);
            if (n == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    private static Task Write(Socket socket, string text) => socket.SendAsync(Encoding.Latin1.GetBytes(text), SocketFlags.None);

    [Fact]
    public async Task ARequest_GoesUp_ItsResponse_ComesBackDeframed_AndTheConnectionIsReusedForTheNext()
    {
        var owner = new Owner();
        var channel = owner.Channel;
        Assert.False(channel.TryRent(_backend));
        await owner.Connect(_backend);
        Assert.False(channel.Reused);
        using var server = await _listener.AcceptSocketAsync().WaitAsync(Wait);

        Assert.True(await owner.Sent(channel.SendHead(Get("/a?x=1"), "/a?x=1")));
        var request = await ReadUntil(server, "\r\n\r\n");
        Assert.StartsWith("GET /a?x=1 HTTP/1.1\r\n", request);
        // An interim response, then the head and the first body bytes in one segment, the rest of the chunks later.
        await Write(server, "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
        var reading = owner.ReadResponse();
        await Task.Delay(50);
        await Write(server, "lo\r\n6\r\n world\r\n0\r\n\r\n");
        var (head, body) = await reading;
        Assert.Equal(200, head.Status);
        Assert.Equal("hello world", body);
        Assert.Equal(0, channel.Buffered);
        Assert.True(channel.HoldsRequestBuffer);
        channel.Release(reusable: true);
        Assert.False(channel.IsOpen);
        Assert.Equal(1, _backend.Connections.Idle);
        // Between exchanges the channel holds no request buffer (an idle client connection keeps none).
        Assert.False(channel.HoldsRequestBuffer);

        // The next attempt rents the same connection: the backend sees the request on the socket it already has.
        Assert.True(channel.TryRent(_backend));
        Assert.True(channel.Reused);
        Assert.True(await owner.Sent(channel.SendHead(Get("/upload", chunked: true), "/upload")));
        Assert.True(await owner.Sent(channel.SendBody(ByteString.FromString("abc"), chunked: true)));
        Assert.True(await owner.Sent(channel.SendLastChunk(null)));
        var second = await ReadUntil(server, "0\r\n\r\n");
        Assert.StartsWith("POST /upload HTTP/1.1\r\n", second);
        Assert.EndsWith("\r\n\r\n3\r\nabc\r\n0\r\n\r\n", second);
        await Write(server, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
        var (created, createdBody) = await owner.ReadResponse();
        Assert.Equal((201, "ok"), (created.Status, createdBody));
        channel.Release(reusable: true);
        Assert.Equal((1, 1), (_backend.Connections.Open, _backend.Connections.Idle));
        Assert.False(channel.HoldsRequestBuffer);
    }

    [Fact]
    public async Task ABackendThatClosesBeforeAnswering_ReadsAsFin_AndTheConnectionIsClosedNotPooled()
    {
        var owner = new Owner();
        await owner.Connect(_backend);
        using (var server = await _listener.AcceptSocketAsync().WaitAsync(Wait))
        {
            Assert.True(await owner.Sent(owner.Channel.SendHead(Get("/"), "/")));
            await ReadUntil(server, "\r\n\r\n");
            server.Shutdown(SocketShutdown.Both);
        }
        Assert.Equal(0, await owner.Receive());
        owner.Channel.Release(reusable: false);
        Assert.Equal((0, 0), (_backend.Connections.Open, _backend.Connections.Idle));
    }

    [Fact]
    public async Task AResponseHeadOverTheLimit_StopsTheReadInsteadOfGrowingTheBuffer()
    {
        var owner = new Owner();
        await owner.Connect(_backend);
        using var server = await _listener.AcceptSocketAsync().WaitAsync(Wait);
        Assert.True(await owner.Sent(owner.Channel.SendHead(Get("/"), "/")));
        await ReadUntil(server, "\r\n\r\n");
        // A head that never ends: 40 KB of one header field against a 32 KiB limit.
        await Write(server, "HTTP/1.1 200 OK\r\nX-Big: " + new string('a', 40_000));
        int? n;
        var reads = 0;
        while ((n = await owner.Receive(maxHeadBytes: 32 * 1024)) is > 0) reads++;
        Assert.Null(n);
        Assert.True(reads >= 1);
        Assert.True(owner.Channel.Connection!.Buffer.Length <= 32 * 1024);
        owner.Channel.Release(reusable: true); // nothing in flight, but unread bytes: the pool closes it
        Assert.Equal((0, 0), (_backend.Connections.Open, _backend.Connections.Idle));
    }

    [Fact]
    public async Task AConnectStillInFlightWhenTheOwnerLeaves_GoesToThePool_OrGivesItsSlotBack()
    {
        // Succeeds after the owner left: the connection rests in the pool for the next exchange.
        var owner = new Owner();
        Assert.True(_backend.Connections.TryReserve());
        var late = new TaskCompletionSource<UpstreamConnection>();
        Assert.False(owner.Channel.Await(late.Task, _backend));
        owner.Channel.Abandon();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_listener.LocalEndpoint).WaitAsync(Wait);
        using var server = await _listener.AcceptSocketAsync().WaitAsync(Wait);
        late.SetResult(new UpstreamConnection(socket, _backend));
        Assert.Equal((1, 1), (_backend.Connections.Open, _backend.Connections.Idle));

        // Fails after the owner left: the reserved slot is given back.
        var other = new Owner();
        Assert.True(_backend.Connections.TryReserve());
        var failing = new TaskCompletionSource<UpstreamConnection>();
        Assert.False(other.Channel.Await(failing.Task, _backend));
        other.Channel.Abandon();
        failing.SetException(new SocketException((int)SocketError.ConnectionRefused));
        Assert.Equal((1, 1), (_backend.Connections.Open, _backend.Connections.Idle));
    }

    [Fact]
    public async Task AnUpgradedConnection_LeavesThePool_WithWhatWasReadPastTheHead()
    {
        var owner = new Owner();
        await owner.Connect(_backend);
        using var server = await _listener.AcceptSocketAsync().WaitAsync(Wait);
        Assert.True(await owner.Sent(owner.Channel.SendHead(Get("/ws"), "/ws")));
        await ReadUntil(server, "\r\n\r\n");
        await Write(server, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u0081\u0002hi");
        HttpResponseHead? head = null;
        while (owner.Channel.Buffered == 0 ||
               owner.Channel.ParseHead(false, 64 * 1024, 100, out head, out _) == ParseStatus.Incomplete)
            Assert.True(await owner.Receive() > 0);
        Assert.Equal(101, head!.Status);
        // The frame may arrive after the head: the test reads until it is buffered too.
        while (owner.Channel.Buffered < 4) Assert.True(await owner.Receive() > 0);
        using var conn = owner.Channel.Detach(out var leftover);
        Assert.Equal(new byte[] { 0x81, 0x02, (byte)'h', (byte)'i' }, leftover);
        Assert.False(owner.Channel.IsOpen);
        Assert.Equal((0, 0), (_backend.Connections.Open, _backend.Connections.Idle));
    }
}
