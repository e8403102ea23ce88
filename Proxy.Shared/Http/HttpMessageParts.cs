using Akka.IO;

namespace Proxy.Shared.Http;

/// <summary>
/// Elements of the inbound request stream: a head, then body chunks, then an end (with trailers) — or a
/// malformed marker after which the decoder completes.
/// </summary>
public abstract class RequestPart;

public sealed class RequestHeadPart(HttpRequestHead head) : RequestPart
{
    public HttpRequestHead Head { get; } = head;
}

/// <summary>A slice of request body (chunk framing already removed).</summary>
public sealed class RequestBodyPart(ByteString data) : RequestPart
{
    public ByteString Data { get; } = data;
}

public sealed class RequestEndPart : RequestPart
{
    public static readonly RequestEndPart NoTrailers = new(null);

    public RequestEndPart(HttpHeaderList? trailers) => Trailers = trailers;

    public HttpHeaderList? Trailers { get; }
}

/// <summary>The bytes on the connection are not a valid request; the client gets <see cref="Error"/> and the connection closes.</summary>
public sealed class RequestMalformedPart(HttpParseError error) : RequestPart
{
    public HttpParseError Error { get; } = error;
}

/// <summary>Elements of the outbound response stream, serialized by the response encoder.</summary>
public abstract class ResponsePart;

/// <summary>
/// A response head in the framing the client gets. <see cref="Body"/> carries body bytes that arrived together
/// with the head so small responses leave in one write; <see cref="Complete"/> says the body ends there.
/// </summary>
public sealed class ResponseHeadPart : ResponsePart
{
    public required int Status { get; init; }
    public string Reason { get; init; } = string.Empty;
    public required HttpHeaderList Headers { get; init; }
    /// <summary>Body framing towards the client: None, ContentLength (header already in Headers), Chunked or UntilClose.</summary>
    public required BodyFraming Framing { get; init; }
    public ByteString Body { get; init; } = ByteString.Empty;
    public bool Complete { get; init; }
}

public sealed class ResponseBodyPart(ByteString data) : ResponsePart
{
    public ByteString Data { get; } = data;
}

public sealed class ResponseEndPart : ResponsePart
{
    public static readonly ResponseEndPart NoTrailers = new(null);

    public ResponseEndPart(HttpHeaderList? trailers) => Trailers = trailers;

    public HttpHeaderList? Trailers { get; }
}

/// <summary>
/// An interim (1xx) response before the final one: the proxy's own <c>100 Continue</c> for a request that sent
/// <c>Expect: 100-continue</c>, or one a backend sent (<c>103 Early Hints</c>, …), which a proxy forwards to
/// HTTP/1.1 clients (RFC 9110 §15.2).
/// </summary>
public sealed class ResponseInterimPart : ResponsePart
{
    public static readonly ResponseInterimPart Continue = new() { Status = 100, Reason = "Continue" };

    public required int Status { get; init; }
    public string Reason { get; init; } = string.Empty;
    /// <summary>Null for the proxy's own 100 Continue.</summary>
    public HttpHeaderList? Headers { get; init; }
}
