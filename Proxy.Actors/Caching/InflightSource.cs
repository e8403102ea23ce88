using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Caching;

/// <summary>
/// A follower's view of an <see cref="InflightFill"/>: the leader's response head (a copy of its fields, with this
/// request's <c>Cache-Status</c>), and its body read chunk by chunk as the leader's arrives. The follower's connection
/// pulls at its own pace; a slow follower does not slow the leader or the others.
/// </summary>
internal sealed class InflightSource : IResponseSource
{
    private readonly InflightFill _fill;
    private int _next;

    public InflightSource(InflightFill fill, HttpResponseHead shared, string cacheStatus)
    {
        _fill = fill;
        var headers = new HttpHeaderList(shared.Headers.Count + 1);
        foreach (var field in shared.Headers) headers.Add(field.Key, field.Value);
        headers.Add("Cache-Status", cacheStatus);
        Head = new HttpResponseHead
        {
            Status = shared.Status, Reason = shared.Reason, Version = shared.Version, Headers = headers, Framing = shared.Framing,
            ContentLength = shared.ContentLength, KeepAlive = true,
        };
    }

    public HttpResponseHead Head { get; }

    public ValueTask<BodyPiece> ReadAsync()
    {
        var read = _fill.ReadAsync(_next++);
        if (read.IsCompletedSuccessfully)
        {
            var (data, last) = read.Result;
            return new ValueTask<BodyPiece>(new BodyPiece(data, last));
        }
        return Await(read);
    }

    private static async ValueTask<BodyPiece> Await(ValueTask<(Akka.IO.ByteString Data, bool Last)> read)
    {
        var (data, last) = await read.ConfigureAwait(false);
        return new BodyPiece(data, last);
    }

    public void Dispose()
    {
    }
}
