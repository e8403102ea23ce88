using System.Net.Sockets;
using Akka.Event;
using Akka.IO;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

/// <summary>
/// The client side of an exchange as <see cref="ExchangeDriver"/> sees it: how the response reaches the client, how
/// more of the request body is asked for, and the front's actor (callbacks, one timer). The HTTP/1.1 connection stage
/// is one front; it alone knows the client's framing, keep-alive and pipelining, so the driver's sequencing (backend,
/// connection, retries, relaying) is the same for any front.
/// </summary>
internal interface IExchangeFront
{
    /// <summary>The front's async callback: an I/O completion calls it with what completed (from any thread), and the
    /// front hands that to <see cref="ExchangeDriver.OnWake"/> on its own actor.</summary>
    Action<object> Wake { get; }

    ILoggingAdapter Log { get; }

    /// <summary>Fires the front's timer in <paramref name="inMs"/> (or sooner); the front then calls
    /// <see cref="ExchangeDriver.OnTimer"/>.</summary>
    void ArmTimer(long inMs);

    /// <summary>Calls <see cref="ExchangeDriver.OnRetryTimer"/> after <paramref name="delay"/>.</summary>
    void ScheduleRetry(TimeSpan delay);

    /// <summary>The next piece of the request body, when the client has more (it arrives as
    /// <see cref="ExchangeDriver.OnRequestBody"/> or <see cref="ExchangeDriver.OnRequestEnd"/>).</summary>
    void PullRequestBody();

    /// <summary>The client has taken everything sent so far and wants more.</summary>
    bool ReadyForResponse { get; }

    /// <summary>An interim (1xx) response for the client.</summary>
    void SendInterim(ResponseInterimPart part);

    /// <summary>The final response head (filtered, hop-by-hop fields gone) with the body bytes that came with it;
    /// <paramref name="complete"/>: the body ends there (no trailers follow).</summary>
    void SendResponseHead(HttpResponseHead head, ByteString body, bool complete);

    void SendResponseBody(ByteString data);

    /// <summary>The end of the response body (with the backend's trailers, if any).</summary>
    void SendResponseEnd(HttpHeaderList? trailers);

    /// <summary>The exchange ended well (its completion was reported): the front goes on to the next request.
    /// <paramref name="clientDeadline"/>: when the client must have taken the bytes sent (Environment.TickCount64; 0:
    /// none), which still applies if the connection closes with bytes queued.</summary>
    void ExchangeEnded(long clientDeadline);

    /// <summary>The node answers the request itself; <paramref name="close"/>: the connection closes after it;
    /// <paramref name="extra"/>: fields a filter's refusal adds (WWW-Authenticate, Retry-After).</summary>
    void RespondLocal(ProxyError error, bool close, string? reason = null, string? detail = null, HttpHeaderList? extra = null);

    /// <summary>The response cannot be finished: the client's connection is broken off (its completion was reported).</summary>
    void Abort(string reason);

    /// <summary>A tunnel is open (a CONNECT target, or a backend that switched protocols): <paramref name="head"/> goes to
    /// the client, then bytes are spliced with <paramref name="socket"/> (<paramref name="leftover"/>: bytes the other
    /// side sent after its head) until both sides closed.</summary>
    void StartTunnel(ResponseHeadPart head, Socket socket, byte[] leftover);
}
