using System.IO.Compression;
using Proxy.Actors.Exchange.Filters.Compression;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange.Filters;

/// <summary>
/// E4: compresses a relayed response for a client that accepts it (<c>Accept-Encoding</c> with q-values), when the
/// response is of a configured media type, not already encoded, not marked <c>no-transform</c>, not a 204/206/304 or
/// an answer to HEAD, and — when its length is known — at least <c>min-size</c>. Such responses get
/// <c>Vary: Accept-Encoding</c> whether or not this client gets them compressed; a compressed one loses
/// <c>Content-Length</c> (the connection frames it) and a strong ETag becomes weak (RFC 9110 §8.8.1: the bytes
/// differ). The body streams through a Brotli or gzip encoder installed for the exchange.
/// </summary>
public sealed class CompressionFilter(CompressionSettings settings) : IResponseHeadFilter
{
    private readonly CompressionLevel _level = settings.Level switch
    {
        "optimal" => CompressionLevel.Optimal,
        "smallest" => CompressionLevel.SmallestSize,
        _ => CompressionLevel.Fastest,
    };

    /// <summary>Brotli's quality for each level, as BrotliStream maps them.</summary>
    private int BrotliQuality => _level switch
    {
        CompressionLevel.Optimal => 4,
        CompressionLevel.SmallestSize => 11,
        _ => 1,
    };

    public void OnResponseHead(IExchange exchange, HttpResponseHead head)
    {
        if (!Compressible(exchange, head)) return;
        var headers = head.Headers;
        AddVary(headers);
        var coding = AcceptEncoding.Choose(exchange.Request!.Headers.Get("Accept-Encoding"), settings.Algorithms);
        if (coding is null) return;
        headers.Remove("Content-Length");
        headers.Add("Content-Encoding", coding);
        if (headers.Get("ETag") is { } etag && !etag.StartsWith("W/", StringComparison.Ordinal)) headers.Set("ETag", "W/" + etag);
        exchange.AddResponseBodyFilter(coding == "br" ? new BrotliBodyEncoder(BrotliQuality) : new GzipBodyEncoder(_level));
    }

    private bool Compressible(IExchange exchange, HttpResponseHead head)
    {
        if (exchange.LocalAnswer || exchange.Request is not { } request || request.Method == "HEAD") return false;
        if (head.Status is < 200 or 204 or 206 or 304 || head.Framing == BodyFraming.None) return false;
        var headers = head.Headers;
        if (headers.Contains("Content-Encoding") || HttpSyntax.ListContains(headers.Get("Cache-Control"), "no-transform")) return false;
        if (head.Framing == BodyFraming.ContentLength && head.ContentLength < settings.MinSize) return false;
        return TypeMatches(headers.Get("Content-Type"));
    }

    private bool TypeMatches(string? contentType)
    {
        if (contentType is null) return false;
        var semicolon = contentType.IndexOf(';');
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).AsSpan().Trim();
        var slash = mediaType.IndexOf('/');
        if (slash <= 0) return false;
        foreach (var type in settings.Types)
        {
            if (type.EndsWith("/*", StringComparison.Ordinal)
                    ? mediaType[..(slash + 1)].Equals(type.AsSpan(0, type.Length - 1), StringComparison.OrdinalIgnoreCase)
                    : mediaType.Equals(type, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    private static void AddVary(HttpHeaderList headers)
    {
        var vary = headers.Get("Vary");
        if (vary is null) headers.Add("Vary", "Accept-Encoding");
        else if (!HttpSyntax.ListContains(vary, "accept-encoding") && vary.Trim() != "*") headers.Set("Vary", vary + ", Accept-Encoding");
    }
}
