using Akka.IO;
using Proxy.Actors.Exchange.Filters;
using Proxy.Shared.Caching;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Caching;

/// <summary>
/// Stores a response while its body streams to the client: each chunk goes on unchanged (the client never waits for
/// the store), and is kept; when the last one has passed, the whole response becomes a <see cref="CachedResponse"/>.
/// A body that grows past max-object is let go at once (the response still reaches the client whole); one that does
/// not end (the client or the backend broke off) is never stored. Requests waiting for the same key get every chunk
/// as it passes, stored or not (a fill that does not keep, as for a key's owner's answer without local copies, only
/// shares).
/// </summary>
internal sealed class CacheFill : IResponseBodyFilter
{
    private readonly CacheFilter _cache;
    private readonly CacheFilter.Lookup _lookup;
    private readonly HttpRequestHead _request;
    private readonly HttpResponseHead _head;
    /// <summary>The backend's fields as they came, before the route's other response filters change the head.</summary>
    private readonly HttpHeaderList _headers;
    private readonly TimeSpan _lifetime;
    private readonly DateTimeOffset _responseTime;
    private ByteString _body = ByteString.Empty;
    private bool _givenUp;

    /// <param name="keep">Store the response when it is whole; false: only share it with the requests waiting for it.</param>
    public CacheFill(CacheFilter cache, CacheFilter.Lookup lookup, HttpRequestHead request, HttpResponseHead head,
        CacheControl control, TimeSpan lifetime, DateTimeOffset responseTime, bool keep = true)
    {
        _givenUp = !keep;
        _cache = cache;
        _lookup = lookup;
        _request = request;
        _head = head;
        _lifetime = lifetime;
        _responseTime = responseTime;
        _headers = new HttpHeaderList(head.Headers.Count);
        foreach (var field in head.Headers) _headers.Add(field.Key, field.Value);
        // What the stored copy must not carry (qualified private / no-cache fields, §5.2.2.4, §5.2.2.7), and the Date
        // a response without one gets from its recipient (RFC 9110 §6.6.1), which its age is computed from.
        CachePolicy.RemoveUnstorableFields(_headers, control);
        CachePolicy.AddDateIfMissing(_headers, responseTime);
        // A key's owner marked its answer with its own Cache-Status; a copy served here gets this node's.
        if (lookup.FromOwner) _headers.Remove("Cache-Status");
    }

    /// <summary>A response without a body: stored (when kept) and shared now, as no body chunk will come.</summary>
    public void Complete()
    {
        _lookup.Leading?.Complete();
        if (_givenUp) return;
        _givenUp = true;
        Store(ByteString.Empty);
    }

    /// <summary>What requests waiting for this response get of its head: a copy of the backend's fields that nothing
    /// changes afterwards (followers read it on other threads), and the variant it is.</summary>
    public SharedHead SharedHead(HttpResponseHead head)
    {
        var fields = new HttpHeaderList(_headers.Count);
        foreach (var field in _headers) fields.Add(field.Key, field.Value);
        var shared = new HttpResponseHead
        {
            Status = head.Status, Reason = head.Reason, Version = head.Version, Headers = fields, Framing = head.Framing,
            ContentLength = head.ContentLength,
        };
        var vary = CachePolicy.VaryFields(shared);
        return new SharedHead(shared, vary, vary is null ? "" : CachePolicy.SecondaryKey(vary, _request.Headers));
    }

    public ByteString OnBodyChunk(ByteString chunk, bool last)
    {
        // Followers get every chunk, whether or not the body fits the store.
        if (_lookup.Leading is { } followers)
        {
            followers.Append(chunk);
            if (last) followers.Complete();
        }
        if (_givenUp) return chunk;
        if (_body.Count + (long)chunk.Count > _cache.MaxObjectBytes)
        {
            _givenUp = true;
            _body = ByteString.Empty;
            return chunk;
        }
        // Chunks are the node's own copies of what was read: kept by reference, joined without copying.
        if (!chunk.IsEmpty) _body = _body.IsEmpty ? chunk : _body.Concat(chunk);
        if (last)
        {
            _givenUp = true;
            Store(_body.IsCompact ? _body : _body.Compact());
        }
        return chunk;
    }

    /// <summary>The whole response arrived: it is stored with the fields the backend sent (the framing now says
    /// Content-Length, whatever it was on the wire).</summary>
    public void Store(ByteString body)
    {
        _headers.Remove("Transfer-Encoding");
        if (_head.Status != 204) _headers.Set("Content-Length", body.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var stored = CachedResponse.StoredHead(_head.Status, _head.Reason, _headers, body.Count);
        var vary = CachePolicy.VaryFields(stored);
        var secondary = vary is null ? "" : CachePolicy.SecondaryKey(vary, _request.Headers);
        _cache.Store(new CachedResponse(_lookup.Key, (_request.Authority.Length > 0 ? _request.Authority : _request.Host).ToLowerInvariant(),
            _request.Query.Length == 0 ? _request.Path : _request.Path + "?" + _request.Query, stored, body,
            _lookup.RequestTime, _responseTime, vary, secondary, _lifetime));
    }

    public void Dispose()
    {
        _body = ByteString.Empty;
        _lookup.Leading?.Fail("the response broke off before its body ended");
    }
}
