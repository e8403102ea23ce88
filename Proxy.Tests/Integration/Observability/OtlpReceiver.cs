using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Proxy.Tests.Integration.Support;

namespace Proxy.Tests.Integration.Observability;

/// <summary>
/// A minimal OTLP/HTTP receiver on 127.0.0.1: records every <c>POST /v1/traces</c> (content type and protobuf body) and
/// answers 200 with an empty body, as a collector does. Tests look for known bytes (trace ids, span names, attribute
/// keys) in the bodies rather than decoding them.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app, int port, ConcurrentQueue<(string? ContentType, byte[] Body)> exports)
    {
        _app = app;
        Port = port;
        Exports = exports;
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<(string? ContentType, byte[] Body)> Exports { get; }

    public static async Task<OtlpReceiver> StartAsync()
    {
        var exports = new ConcurrentQueue<(string? ContentType, byte[] Body)>();
        var (app, port) = await LoopbackKestrel.StartAsync(web => web.MapPost("/v1/traces", async (HttpContext ctx) =>
        {
            using var body = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(body);
            exports.Enqueue((ctx.Request.ContentType, body.ToArray()));
            ctx.Response.ContentType = "application/x-protobuf";
            return Results.Ok();
        }));
        return new OtlpReceiver(app, port, exports);
    }

    /// <summary>Whether some export so far contains all of <paramref name="parts"/>.</summary>
    public bool Received(params byte[][] parts) =>
        Exports.Any(e => parts.All(p => e.Body.AsSpan().IndexOf(p) >= 0));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
