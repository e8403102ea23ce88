using Akka.IO;
using Proxy.Actors.Exchange;
using Proxy.Actors.Pools;
using Proxy.Actors.Upstream;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Caching.Peers;

/// <summary>
/// A non-owner's request for a cache key, sent to the owner's internal cache listener with the node's own HTTP/1.1
/// client (<see cref="UpstreamChannel"/>, the owner's listener as a backend with kept-alive connections), and the
/// owner's response as the source the client's exchange serves: its head once it came, its body read from the owner's
/// connection only as the client takes it. The request is the client's as the origin would get it (forwarding fields
/// added here, with the real client), plus the route and scheme the owner needs to find the key
/// (<see cref="PeerRequest"/>). Nothing is decided here: the cache filter asks, and goes to the origin itself when the
/// owner is not reached, does not answer within owner-timeout, or declines.
/// </summary>
internal sealed class OwnerFetch : IResponseSource
{
    private readonly UpstreamChannel _channel;
    private readonly Backend _owner;
    /// <summary>The owner's heads are the origin's (within the pool's limits there) with a few fields of the owner's.</summary>
    private static readonly HttpLimits Limits = new() { MaxHeadBytes = 128 * 1024, MaxHeaders = 256 };
    private TaskCompletionSource<object>? _signal;
    private Timer? _deadline;
    /// <summary>1 while an I/O waits under the deadline, 2 once the deadline fired and closed the connection under it.</summary>
    private int _waiting;
    private bool _ended;

    private OwnerFetch(Backend owner)
    {
        _owner = owner;
        _channel = new UpstreamChannel(signal => _signal?.TrySetResult(signal));
    }

    public HttpResponseHead Head { get; private set; } = null!;

    /// <summary>Sends <paramref name="request"/> to <paramref name="owner"/> and waits up to <paramref name="timeout"/> for
    /// its final response head; null when it did not come (the connection was refused or broke, the head was malformed
    /// or late). A kept-alive connection that turns out closed is replaced once.</summary>
    public static async Task<OwnerFetch?> AskAsync(Backend owner, HttpRequestHead request, TimeSpan timeout)
    {
        var fetch = new OwnerFetch(owner);
        var started = Environment.TickCount64;
        try
        {
            fetch.StartDeadline(timeout);
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var reused = fetch._channel.TryRent(owner);
                if (!reused && !await fetch.ConnectAsync(timeout - TimeSpan.FromMilliseconds(Environment.TickCount64 - started)).ConfigureAwait(false))
                    break;
                var head = await fetch.ExchangeAsync(request).ConfigureAwait(false);
                if (head is not null)
                {
                    fetch.StopDeadline();
                    fetch.Head = head;
                    fetch._channel.BeginBody(head);
                    // Nothing to read after the head: the connection goes back at once.
                    if (head.Framing == BodyFraming.None) fetch.End(reusable: head.KeepAlive);
                    return fetch;
                }
                // A kept-alive connection the owner had closed meanwhile: once more on a new one.
                fetch._channel.Release(reusable: false);
                if (!reused || Volatile.Read(ref fetch._waiting) == 2) break;
            }
        }
        catch (Exception)
        {
            // Refused, reset, timed out: the caller goes to the origin.
        }
        fetch.Dispose();
        return null;
    }

    private async Task<bool> ConnectAsync(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero || !_owner.Connections.TryReserve()) return false;
        try
        {
            _channel.Use(await UpstreamConnector.ConnectAsync(_owner, timeout).ConfigureAwait(false), reused: false);
            return true;
        }
        catch (Exception)
        {
            _owner.Connections.Unreserve();
            return false;
        }
    }

    /// <summary>The request out and the final response head in; null when the connection failed before it.</summary>
    private async Task<HttpResponseHead?> ExchangeAsync(HttpRequestHead request)
    {
        var signal = Arm();
        if (!_channel.SendHead(request, request.Target)) await signal.Task.ConfigureAwait(false);
        if (!_channel.EndSend()) return null;
        while (true)
        {
            if (_channel.Buffered > 0)
            {
                var status = _channel.ParseHead(forHeadRequest: request.Method == "HEAD", Limits.MaxHeadBytes, Limits.MaxHeaders,
                    out var head, out _);
                if (status == ParseStatus.Invalid) return null;
                if (status == ParseStatus.Complete)
                {
                    if (head!.IsInterim) continue;
                    HopByHopHeaders.Strip(head.Headers);
                    return head;
                }
            }
            if (await ReceiveAsync().ConfigureAwait(false) <= 0) return null;
        }
    }

    /// <summary>Reads more of the response: the bytes read, 0 for the owner's FIN, -1 for an error (or head too large).</summary>
    private async Task<int> ReceiveAsync()
    {
        var signal = Arm();
        var start = _channel.Receive(Limits.MaxHeadBytes);
        if (start == ReceiveStart.HeadTooLarge) return -1;
        if (start == ReceiveStart.Pending) await signal.Task.ConfigureAwait(false);
        return _channel.EndReceive();
    }

    /// <summary>What the channel's wake completes for the I/O about to start (made before it starts: its completion may
    /// come on another thread at once).</summary>
    private TaskCompletionSource<object> Arm() => _signal = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);

    // ------------------------------------------------------------------ the deadline for the head

    private void StartDeadline(TimeSpan timeout)
    {
        Volatile.Write(ref _waiting, 1);
        _deadline = new Timer(static self => ((OwnerFetch)self!).Expire(), this, timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The head is late: the connection under the wait is closed, so the pending I/O fails and the caller goes
    /// to the origin. Never after the head came (the connection may be back in the pool by then).</summary>
    private void Expire()
    {
        if (Interlocked.CompareExchange(ref _waiting, 2, 1) == 1) _channel.Connection?.Socket.Dispose();
    }

    private void StopDeadline()
    {
        _deadline?.Dispose();
        _deadline = null;
        if (Interlocked.Exchange(ref _waiting, 0) == 2) throw new TimeoutException("the owner's response head came too late");
    }

    // ------------------------------------------------------------------ the body, as the client takes it

    public ValueTask<BodyPiece> ReadAsync()
    {
        if (_ended) return new(new BodyPiece(ByteString.Empty, Last: true));
        var data = _channel.TakeBody(out var complete, out _, out var bad);
        if (bad is not null) return ValueTask.FromException<BodyPiece>(new IOException("malformed response body from the owner: " + bad));
        if (complete)
        {
            End(reusable: Head.KeepAlive);
            return new(new BodyPiece(data, Last: true));
        }
        return data.IsEmpty ? ReadMoreAsync() : new(new BodyPiece(data, Last: false));
    }

    private async ValueTask<BodyPiece> ReadMoreAsync()
    {
        var n = await ReceiveAsync().ConfigureAwait(false);
        if (n > 0) return await ReadAsync().ConfigureAwait(false);
        if (n == 0 && _channel.ResponseFraming == BodyFraming.UntilClose)
        {
            End(reusable: false);
            return new BodyPiece(ByteString.Empty, Last: true);
        }
        End(reusable: false);
        throw new IOException(n == 0 ? "the owner closed the connection mid-body" : "the owner's connection broke mid-body");
    }

    private void End(bool reusable)
    {
        _ended = true;
        _channel.Release(reusable);
    }

    /// <summary>The exchange ended: a body not read whole leaves its connection closed.</summary>
    public void Dispose()
    {
        _deadline?.Dispose();
        if (!_ended) End(reusable: false);
    }
}
