using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Proxy.Tests.Integration.Support;

/// <summary>
/// A real, independent HTTP/1.1 server (Kestrel) as a backend: <c>/upload</c> answers the SHA-256 and length
/// of the request body; <c>/download?bytes=N</c> streams N deterministic bytes (chunked when <c>&amp;chunked=1</c>);
/// <c>/needs-token</c> is a 401 with <c>WWW-Authenticate</c> and a body, as an API that wants a token answers.
/// </summary>
public sealed class KestrelBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KestrelBackend(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<KestrelBackend> StartAsync()
    {
        var (app, port) = await LoopbackKestrel.StartAsync(web =>
        {
            web.MapPost("/upload", async (HttpContext ctx) =>
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[81920];
                long total = 0;
                int n;
                while ((n = await ctx.Request.Body.ReadAsync(buffer)) > 0)
                {
                    sha.AppendData(buffer, 0, n);
                    total += n;
                }
                return Results.Text($"{Convert.ToHexString(sha.GetHashAndReset())} {total}");
            });
            web.MapGet("/download", async (HttpContext ctx, long bytes, int? chunked) =>
            {
                if (chunked != 1) ctx.Response.ContentLength = bytes;
                var buffer = new byte[65536];
                long sent = 0;
                while (sent < bytes)
                {
                    var n = (int)Math.Min(buffer.Length, bytes - sent);
                    TestData.Fill(buffer.AsSpan(0, n), sent);
                    await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, n));
                    sent += n;
                }
            });
            // Compressible text (E4): numbered lines, generated while sent.
            web.MapGet("/text", async (HttpContext ctx, long bytes, int? chunked) =>
            {
                ctx.Response.ContentType = "text/plain; charset=utf-8";
                if (chunked != 1) ctx.Response.ContentLength = bytes;
                var buffer = new byte[65536];
                for (long sent = 0; sent < bytes;)
                {
                    var n = (int)Math.Min(buffer.Length, bytes - sent);
                    TestData.FillText(buffer.AsSpan(0, n), sent);
                    await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, n));
                    sent += n;
                }
            });
            // An API that wants a token: its own 401 with a challenge and a body.
            web.MapGet("/needs-token", (HttpContext ctx) =>
            {
                ctx.Response.Headers.WWWAuthenticate = "Bearer realm=\"api\"";
                return Results.Text("a token is required\n", statusCode: StatusCodes.Status401Unauthorized);
            });
            // Anything else: the method, path and query it saw, so tests can tell what arrived.
            web.MapFallback((HttpContext ctx) => Results.Text($"{ctx.Request.Method} {ctx.Request.Path}{ctx.Request.QueryString}"));
        }, server: o => o.Limits.MaxRequestBodySize = null);
        return new KestrelBackend(app, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Deterministic bytes by offset, so both ends can hash a multi-GB stream without storing it.</summary>
public static class TestData
{
    private static readonly byte[] Line = "a proxy streams bodies; compression makes this line small. 0123456789\n"u8.ToArray();

    /// <summary>Text that compresses well (one line repeated), as <see cref="Fill"/> is deterministic by offset.</summary>
    public static void FillText(Span<byte> span, long offset)
    {
        for (var i = 0; i < span.Length; i++) span[i] = Line[(int)((offset + i) % Line.Length)];
    }

    public static void Fill(Span<byte> span, long offset)
    {
        for (var i = 0; i < span.Length; i++)
        {
            var x = (ulong)(offset + i);
            span[i] = (byte)((x * 2654435761UL) >> 13);
        }
    }
}

/// <summary>A request body of N deterministic bytes generated while sent (never held in memory).</summary>
public sealed class GeneratedContent(long length, bool chunked) : HttpContent
{
    public string? Sha256 { get; private set; }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[65536];
        long sent = 0;
        while (sent < length)
        {
            var n = (int)Math.Min(buffer.Length, length - sent);
            TestData.Fill(buffer.AsSpan(0, n), sent);
            sha.AppendData(buffer, 0, n);
            await stream.WriteAsync(buffer.AsMemory(0, n));
            sent += n;
        }
        Sha256 = Convert.ToHexString(sha.GetHashAndReset());
    }

    protected override bool TryComputeLength(out long l)
    {
        l = length;
        return !chunked;
    }
}
