using System.Globalization;
using Akka.IO;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

/// <summary>A response a request filter serves whole from memory (a cache hit, a JSON answer of its own), in one piece.</summary>
public sealed class BufferedResponse : IResponseSource
{
    private readonly ByteString _body;

    public BufferedResponse(HttpResponseHead head, ByteString body)
    {
        Head = head;
        _body = body;
    }

    /// <summary>The filter's own answer: <paramref name="body"/> as <paramref name="contentType"/>, never stored by a cache.</summary>
    public static BufferedResponse Of(int status, string contentType, byte[] body)
    {
        var headers = new HttpHeaderList(4);
        headers.Add("Content-Type", contentType);
        headers.Add("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture));
        headers.Add("Date", DateField.Current);
        headers.Add("Cache-Control", "no-store");
        return new BufferedResponse(new HttpResponseHead
        {
            Status = status, Reason = HttpStatusText.Get(status), Version = 11, Headers = headers, Framing = BodyFraming.ContentLength,
            ContentLength = body.Length, KeepAlive = true,
        }, ByteString.FromBytes(body));
    }

    public HttpResponseHead Head { get; }

    public ValueTask<BodyPiece> ReadAsync() => new(new BodyPiece(_body, Last: true));

    public void Dispose()
    {
    }
}
