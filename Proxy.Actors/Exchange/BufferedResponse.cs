using System.Globalization;
using Akka.IO;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

/// <summary>A response a request filter makes itself, whole in memory (a JSON answer), served as one piece.</summary>
public sealed class BufferedResponse : IResponseSource
{
    private readonly ByteString _body;

    public BufferedResponse(int status, string contentType, byte[] body)
    {
        _body = ByteString.FromBytes(body);
        var headers = new HttpHeaderList(4);
        headers.Add("Content-Type", contentType);
        headers.Add("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture));
        headers.Add("Date", DateField.Current);
        headers.Add("Cache-Control", "no-store");
        Head = new HttpResponseHead
        {
            Status = status, Reason = HttpStatusText.Get(status), Version = 11, Headers = headers, Framing = BodyFraming.ContentLength,
            ContentLength = body.Length, KeepAlive = true,
        };
    }

    public HttpResponseHead Head { get; }

    public ValueTask<BodyPiece> ReadAsync() => new(new BodyPiece(_body, Last: true));

    public void Dispose()
    {
    }
}
