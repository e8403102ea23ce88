using System.Net.Sockets;
using Akka.IO;
using Proxy.Actors.Pools;
using Proxy.Actors.Transport;
using Proxy.Shared.Http;

namespace Proxy.Actors.Upstream;

/// <summary>
/// The exchange's side of one upstream connection at a time: the connect (or the rented connection), the request
/// written as <see cref="UpstreamRequestWriter"/> frames it, the response read, its head parsed and its body de-framed
/// by <see cref="ResponseBodyReader"/>, and the connection given back to its pool or dropped. At most one send and one
/// receive are in flight. It decides nothing: a completion that did not happen at once is handed to the owner through
/// the wake callback given at construction (in the proxy, the exchange stage's async callback, so the owner handles it
/// on its own thread), and the owner says what comes next. It knows no stream, so it is tested with a socket and one
/// callback.
/// </summary>
public sealed class UpstreamChannel
{
    private readonly UpstreamRequestWriter _writer = new();
    private readonly ResponseBodyReader _body = new();
    private readonly Action<object> _wake;
    private readonly Action _sentContinuation;
    private readonly Action _receivedContinuation;

    private UpstreamConnection? _conn;
    private ValueTask<int> _pendingSend;
    private ValueTask<int> _pendingReceive;
    private Task<UpstreamConnection>? _pendingConnect;
    private Backend? _pendingConnectBackend;

    /// <summary>What <c>wake</c> is called with when a send that did not complete at once has completed;
    /// <see cref="EndSend"/> tells how.</summary>
    public static readonly object SendCompleted = new();

    /// <summary>What <c>wake</c> is called with when a receive that did not complete at once has completed;
    /// <see cref="EndReceive"/> tells how.</summary>
    public static readonly object ReceiveCompleted = new();

    /// <param name="wake">Called with <see cref="SendCompleted"/>, <see cref="ReceiveCompleted"/>, or a connect's
    /// <c>Task&lt;UpstreamConnection&gt;</c> that did not complete at once (with its outcome). One delegate for all three:
    /// the owner's is an Akka async callback, which costs ~300 B each for as long as the client connection lives.</param>
    public UpstreamChannel(Action<object> wake)
    {
        _wake = wake;
        // A socket completion runs its owner inline on the I/O thread (see IoInlineExecutor).
        _sentContinuation = () => IoInlineExecutor.RunInline(wake, SendCompleted);
        _receivedContinuation = () => IoInlineExecutor.RunInline(wake, ReceiveCompleted);
    }

    /// <summary>The connection in use; null before an attempt has one and after it was released.</summary>
    public UpstreamConnection? Connection => _conn;

    public bool IsOpen => _conn is not null;

    /// <summary>The connection was rented from the pool (kept alive), not connected for this attempt.</summary>
    public bool Reused { get; private set; }

    public bool Sending { get; private set; }

    public bool Receiving { get; private set; }

    /// <summary>The request's framing buffer is rented (from the first framing until the connection is released).</summary>
    public bool HoldsRequestBuffer => _writer.HoldsBuffer;

    /// <summary>Response bytes read and not yet taken.</summary>
    public int Buffered => _conn?.Buffered ?? 0;

    /// <summary>How the response body being read is framed (after <see cref="BeginBody"/>).</summary>
    public BodyFraming ResponseFraming => _body.Framing;

    // ------------------------------------------------------------------ connection

    /// <summary>Takes a kept-alive connection from <paramref name="backend"/>'s pool; false when it has none idle.</summary>
    public bool TryRent(Backend backend)
    {
        if (!backend.Connections.TryRent(out var conn)) return false;
        Use(conn, reused: true);
        return true;
    }

    /// <summary>
    /// Waits for <paramref name="connect"/> (a slot of <paramref name="backend"/>'s pool already reserved for it): true
    /// when it has completed, and the owner goes on with it at once; otherwise the owner is woken with it when it does.
    /// </summary>
    public bool Await(Task<UpstreamConnection> connect, Backend backend)
    {
        if (connect.IsCompleted) return true;
        _pendingConnect = connect;
        _pendingConnectBackend = backend;
        connect.ContinueWith(static (task, wake) => ((Action<object>)wake!)(task), _wake, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return false;
    }

    /// <summary>The connect awaited has completed (whatever its outcome): it is no longer this channel's to settle.</summary>
    public void ConnectSettled()
    {
        _pendingConnect = null;
        _pendingConnectBackend = null;
    }

    /// <summary>The new connection the attempt goes on with.</summary>
    public void Use(UpstreamConnection conn, bool reused)
    {
        _conn = conn;
        Reused = reused;
    }

    /// <summary>Gives the connection back to its pool when <paramref name="reusable"/> and no I/O is in flight on it;
    /// otherwise closes it (a pending send or receive then fails with it).</summary>
    public void Release(bool reusable)
    {
        var conn = _conn;
        if (conn is null) return;
        _conn = null;
        LetGoOfRequestBuffer();
        if (reusable && !Receiving && !Sending) conn.Backend.Connections.Return(conn);
        else conn.Backend.Connections.Discard(conn);
    }

    /// <summary>The request's framing buffer goes back to the pool between exchanges; while a send may still read it, it
    /// is only dropped.</summary>
    private void LetGoOfRequestBuffer()
    {
        if (Sending) _writer.DropBuffer();
        else _writer.ReturnBuffer();
    }

    /// <summary>
    /// The connection leaves the channel and its pool (a protocol switch makes it a tunnel the caller closes);
    /// <paramref name="leftover"/> is what was read past the response head.
    /// </summary>
    public UpstreamConnection Detach(out byte[] leftover)
    {
        var conn = _conn ?? throw new InvalidOperationException("no upstream connection");
        _conn = null;
        LetGoOfRequestBuffer();
        leftover = conn.Buffered > 0 ? conn.Buffer.AsSpan(conn.ReadStart, conn.Buffered).ToArray() : [];
        conn.Backend.Connections.Unreserve();
        return conn;
    }

    /// <summary>The owner is gone: the connection is closed, and a connect still in flight goes to its pool when it
    /// completes (or gives its reserved slot back when it fails), not to a dead owner.</summary>
    public void Abandon()
    {
        Release(reusable: false);
        var connect = _pendingConnect;
        var backend = _pendingConnectBackend;
        ConnectSettled();
        connect?.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) t.Result.Backend.Connections.Return(t.Result);
            else backend!.Connections.Unreserve();
        }, TaskContinuationOptions.ExecuteSynchronously);
    }

    // ------------------------------------------------------------------ request

    /// <summary>Sends the request head with <paramref name="target"/> as its request-target. True when the send completed
    /// at once (the owner calls <see cref="EndSend"/> now); otherwise the owner is woken with <see cref="SendCompleted"/> when it does.</summary>
    public bool SendHead(HttpRequestHead head, string target)
    {
        _writer.Head(head, target);
        return Send();
    }

    /// <summary>Sends a piece of the request body, as a chunk when <paramref name="chunked"/>; see <see cref="SendHead"/>.</summary>
    public bool SendBody(ByteString data, bool chunked)
    {
        _writer.Body(data, chunked);
        return Send();
    }

    /// <summary>Sends a chunked body's end with its <paramref name="trailers"/>; see <see cref="SendHead"/>.</summary>
    public bool SendLastChunk(HttpHeaderList? trailers)
    {
        _writer.LastChunk(trailers);
        return Send();
    }

    private bool Send()
    {
        Sending = true;
        ValueTask<int> send;
        try
        {
            send = _conn!.SendAsync(_writer.Segments);
        }
        catch (Exception)
        {
            send = ValueTask.FromException<int>(new SocketException((int)SocketError.ConnectionReset));
        }
        _pendingSend = send;
        if (send.IsCompleted) return true;
        send.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_sentContinuation);
        return false;
    }

    /// <summary>Collects the send's outcome: false when the connection failed under it.</summary>
    public bool EndSend()
    {
        Sending = false;
        var sent = true;
        try
        {
            _pendingSend.GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            sent = false;
        }
        _pendingSend = default;
        return sent;
    }

    // ------------------------------------------------------------------ response

    /// <summary>Starts reading more of the response. <see cref="ReceiveStart.Completed"/>: the owner calls
    /// <see cref="EndReceive"/> now; <see cref="ReceiveStart.Pending"/>: <see cref="ReceiveCompleted"/> comes when bytes arrive;
    /// <see cref="ReceiveStart.HeadTooLarge"/>: the buffer holds <paramref name="maxHeadBytes"/> unparsed already.</summary>
    public ReceiveStart Receive(int maxHeadBytes)
    {
        var conn = _conn!;
        if (!conn.MakeRoom(maxHeadBytes)) return ReceiveStart.HeadTooLarge;
        Receiving = true;
        ValueTask<int> read;
        try
        {
            read = conn.ReceiveAsync(conn.Buffer.AsMemory(conn.ReadEnd));
        }
        catch (Exception)
        {
            read = ValueTask.FromResult(0);
        }
        _pendingReceive = read;
        if (read.IsCompleted) return ReceiveStart.Completed;
        read.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_receivedContinuation);
        return ReceiveStart.Pending;
    }

    /// <summary>Collects the receive's outcome: the bytes read (now buffered), 0 for the backend's FIN, -1 for a reset
    /// or receive error. Nothing is buffered when the connection was released meanwhile.</summary>
    public int EndReceive()
    {
        Receiving = false;
        int n;
        try
        {
            n = _pendingReceive.GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            n = -1;
        }
        _pendingReceive = default;
        if (n > 0 && _conn is { } conn) conn.ReadEnd += n;
        return n;
    }

    /// <summary>Parses a response head from what is buffered (interim ones included, one per call) and consumes it.</summary>
    public ParseStatus ParseHead(bool forHeadRequest, int maxHeadBytes, int maxHeaders, out HttpResponseHead? head, out HttpParseError error)
    {
        var conn = _conn!;
        var status = Http1ResponseParser.TryParse(conn.Buffer.AsSpan(conn.ReadStart, conn.Buffered), forHeadRequest, maxHeadBytes,
            maxHeaders, out head, out var consumed, out error);
        if (status == ParseStatus.Complete) conn.ReadStart += consumed;
        return status;
    }

    /// <summary>The final response head was parsed: its body (if any) is read next.</summary>
    public void BeginBody(HttpResponseHead head) => _body.Begin(head);

    /// <summary>Takes as much decoded body as is buffered (copied out: the buffer is reused).</summary>
    /// <param name="bad">Why the chunked framing is invalid; null while it is fine.</param>
    public ByteString TakeBody(out bool complete, out HttpHeaderList? trailers, out string? bad)
    {
        var conn = _conn!;
        var start = conn.ReadStart;
        var data = _body.Take(conn.Buffer, ref start, conn.ReadEnd, out complete, out trailers, out bad);
        conn.ReadStart = start;
        if (conn.Buffered == 0) conn.ReadStart = conn.ReadEnd = 0;
        return data;
    }
}

/// <summary>How a receive on an <see cref="UpstreamChannel"/> began.</summary>
public enum ReceiveStart
{
    /// <summary>It completed at once.</summary>
    Completed,
    /// <summary>It completes later, by waking the owner with <see cref="UpstreamChannel.ReceiveCompleted"/>.</summary>
    Pending,
    /// <summary>Not started: the unparsed response head already fills the limit.</summary>
    HeadTooLarge,
}
