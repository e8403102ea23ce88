using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Proxy.Actors.Admin;
using Proxy.Shared.Admin;

namespace Proxy.Node.Admin;

/// <summary>
/// The answer of <c>GET /api/cluster/events</c> (<c>pbm cluster tail</c>): 200 <c>application/x-ndjson</c>, one
/// <see cref="ClusterEventView"/> per line, each flushed as it comes, for as long as the client stays. The
/// subscription ends (and its actor stops) when the client goes, when the admin listener stops (the node is
/// stopping: the stream then ends cleanly) or when the ActorSystem ends.
/// </summary>
public sealed class ClusterEventStream(ClusterAdminQueries cluster) : IResult
{
    public const string ContentType = "application/x-ndjson";

    private static readonly byte[] NewLine = "\n"u8.ToArray();

    public async Task ExecuteAsync(HttpContext http)
    {
        var stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        using var subscription = cluster.SubscribeEvents();
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = ContentType;
        http.Response.Headers.CacheControl = "no-store";
        try
        {
            // The head goes out at once: the client knows it is subscribed before the first event.
            await http.Response.StartAsync(ended.Token).ConfigureAwait(false);
            await foreach (var view in subscription.Events.ReadAllAsync(ended.Token).ConfigureAwait(false))
            {
                await http.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(view, AdminJson.Options), ended.Token).ConfigureAwait(false);
                await http.Response.Body.WriteAsync(NewLine, ended.Token).ConfigureAwait(false);
                await http.Response.Body.FlushAsync(ended.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && ended.IsCancellationRequested)
        {
            // The client went or the node is stopping: the end of a stream, not a failure.
        }
    }
}
