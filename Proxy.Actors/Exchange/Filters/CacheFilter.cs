using Proxy.Actors.Caching;
using Proxy.Shared.Caching;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange.Filters;

/// <summary>
/// E5: a route's response cache (RFC 9111), the last middleware of the route, so that it stands where the upstream
/// stands: a hit is served with the route's other response filters applied as to a relayed response, and what is
/// stored is the backend's response before them. On the way in it answers GET and HEAD from a fresh stored response
/// (with <c>Age</c> and <c>Cache-Status</c>; a 304 when the client's own conditional matches), and sends a stale one
/// to the origin with its validators; on the way back it stores what RFC 9111 §3 allows while the body streams to the
/// client, serves the stored body when the origin's 304 revalidated it (§4.3.4) and a stale one when the origin failed
/// and stale-if-error allows it (RFC 5861 §4), marks every response of the route with <c>Cache-Status</c> (RFC 9211),
/// and invalidates the URIs an unsafe request changed (§4.4). In a cluster, a GET this node misses for a key another
/// node owns goes to that owner (which serves it from its store or fetches it once for every node), and to the origin
/// only when the owner is not reached in time.
/// </summary>
public sealed partial class CacheFilter : IRequestFilter, IResponseHeadFilter
{
    private readonly CacheSettings _settings;
    private readonly ResponseStore _store;
    private readonly string _name;
    private readonly TimeProvider _clock;
    private readonly Ownership? _ownership;
    private readonly HttpPurge? _purge;

    /// <param name="ownership">The route and the cluster's owners of its keys; null: this filter serves every key from
    /// this node's store (a single node, or the owner's side of another node's request).</param>
    /// <param name="purge">Answers PURGE requests (the route's cache has a purge-token); null: PURGE is forwarded.</param>
    public CacheFilter(CacheSettings settings, ResponseStore store, string cacheName, Ownership? ownership = null, HttpPurge? purge = null,
        TimeProvider? clock = null)
    {
        _purge = purge;
        _settings = settings;
        _store = store;
        _name = cacheName;
        _ownership = ownership;
        _clock = clock ?? TimeProvider.System;
    }

    public ValueTask<FilterVerdict> OnRequestAsync(IExchange exchange)
    {
        var request = exchange.Request!;
        if (_purge is not null && request.Method == "PURGE") return _purge.HandleAsync(exchange);
        if (request.Method is not ("GET" or "HEAD"))
        {
            // §4.4: a successful unsafe request invalidates what it changed (decided on its response).
            if (!IsSafe(request.Method)) exchange.Items[this] = Invalidation.Instance;
            return ValueTask.FromResult(FilterVerdict.Continue);
        }
        // Pragma: no-cache counts as no-cache when the request has no Cache-Control (§5.4).
        var requestControl = CacheControl.ParseRequest(request.Headers);
        var now = _clock.GetUtcNow();
        var lookup = new Lookup(CachePolicy.PrimaryKey(request, exchange.Secure, _settings.Key), requestControl, now);
        exchange.Items[this] = lookup;
        var entry = _store.Find(lookup.Key, request.Headers, out var miss);
        if (entry is null)
        {
            lookup.Forward = miss;
            if (requestControl.OnlyIfCached || request.Method != "GET")
            {
                _store.CountMiss();
                return ValueTask.FromResult(Forward(requestControl));
            }
            return LeadOrFollow(exchange, lookup);
        }
        var age = entry.AgeAt(now);
        var freshness = CachePolicy.Evaluate(entry.Lifetime, age, entry.Control, requestControl, _settings);
        if (freshness == Freshness.StaleWhileRevalidate && _ownership?.Owners?.Self is { } self)
        {
            // RFC 5861 §3: served stale now, revalidated by the node's own request meanwhile.
            RevalidateInBackground(exchange, lookup.Key, self);
            lookup.Served = true;
            _store.CountHit();
            return ValueTask.FromResult(FilterVerdict.Serve(Hit(request, entry, age, "stale-while-revalidate")));
        }
        if (freshness is not (Freshness.Fresh or Freshness.StaleServable))
        {
            lookup.Forward = requestControl.NoCache ? CacheForward.Request : CacheForward.Stale;
            // A local copy of another node's key that may not be served as it is: the owner has the key's current
            // response (or revalidates it once for every node).
            if (request.Method == "GET" && OwnerElsewhere(lookup.Key) is not null) return LeadOrFollow(exchange, lookup);
            _store.CountStale();
            Revalidate(exchange, lookup, entry, age);
            return ValueTask.FromResult(Forward(requestControl));
        }
        lookup.Served = true;
        _store.CountHit();
        return ValueTask.FromResult(FilterVerdict.Serve(Hit(request, entry, age)));
    }

    /// <summary>The stored response for <paramref name="request"/> (a 304 when the client's own conditional matches it),
    /// its Cache-Status a hit with the freshness left (negative: stale), and why when a stale one is served.</summary>
    private BufferedResponse Hit(HttpRequestHead request, CachedResponse entry, TimeSpan age, string? detail = null)
    {
        var status = CacheStatus.Hit(_name, entry.Lifetime - age) + (detail is null ? "" : "; detail=" + detail);
        var stored = entry.Head;
        return CachePolicy.NotModified(request, stored)
            ? CachedResponseSource.NotModified(entry, CachePolicy.NotModifiedHeaders(stored), age, status)
            : CachedResponseSource.Hit(entry, age, status);
    }

    /// <summary>
    /// A stored response that may not be served as it is goes to the origin with its validators (§4.3.1), so that a
    /// 304 refreshes it instead of a whole new body; and it is kept ready for the client if the origin fails, as long as
    /// stale-if-error allows (RFC 5861 §4).
    /// </summary>
    private void Revalidate(IExchange exchange, Lookup lookup, CachedResponse entry, TimeSpan age)
    {
        var request = exchange.Request!;
        lookup.Stale = entry;
        var stored = entry.Head;
        if (stored.Headers.Contains("ETag") || stored.Headers.Contains("Last-Modified"))
        {
            // The client's own conditionals are answered by the cache once the entry is refreshed.
            lookup.ClientConditionals = new HttpHeaderList(2);
            if (request.Headers.Get("If-None-Match") is { } ifNoneMatch) lookup.ClientConditionals.Add("If-None-Match", ifNoneMatch);
            if (request.Headers.Get("If-Modified-Since") is { } ifModifiedSince) lookup.ClientConditionals.Add("If-Modified-Since", ifModifiedSince);
            CachePolicy.AddValidators(request.Headers, stored);
            lookup.Validating = true;
        }
        if (CachePolicy.CanServeStaleOnError(age - entry.Lifetime, entry.Control, lookup.Control, _settings))
            exchange.UpstreamFailureFallback = lookup.Fallback = StaleOnError(entry, age, forwardStatus: null);
    }

    private BufferedResponse StaleOnError(CachedResponse entry, TimeSpan age, int? forwardStatus) =>
        CachedResponseSource.Hit(entry, age,
            CacheStatus.Forward(_name, CacheForward.Stale, stored: false, forwardStatus, entry.Lifetime - age, "stale-if-error"));

    /// <summary>The origin answered a revalidation or failed: a 304 refreshes the stored response (§4.3.4), which the
    /// client then gets (or a 304 of its own); a 5xx gets the stale response when stale-if-error allows it. True when the
    /// response was replaced.</summary>
    private bool AfterRevalidation(IExchange exchange, Lookup lookup, HttpResponseHead head)
    {
        var entry = lookup.Stale!;
        var now = _clock.GetUtcNow();
        if (head.Status == 304 && lookup.Validating)
        {
            var refreshed = Refresh(entry, head, lookup.RequestTime, now);
            _store.Put(refreshed);
            var age = refreshed.AgeAt(now);
            var status = CacheStatus.Forward(_name, lookup.Forward, stored: true, 304, refreshed.Lifetime - age);
            var request = exchange.Request!;
            var clientAsked = new HttpRequestHead
            {
                Method = request.Method, Target = request.Target, Path = request.Path, Query = request.Query, Version = request.Version,
                Headers = lookup.ClientConditionals!, Host = request.Host, Authority = request.Authority,
            };
            var stored = refreshed.Head;
            exchange.ServeInstead(CachePolicy.NotModified(clientAsked, stored)
                ? CachedResponseSource.NotModified(refreshed, CachePolicy.NotModifiedHeaders(stored), age, status)
                : CachedResponseSource.Hit(refreshed, age, status));
            return true;
        }
        if (CachePolicy.IsErrorStatus(head.Status) &&
            CachePolicy.CanServeStaleOnError(entry.AgeAt(now) - entry.Lifetime, entry.Control, lookup.Control, _settings))
        {
            exchange.ServeInstead(StaleOnError(entry, entry.AgeAt(now), head.Status));
            return true;
        }
        return false;
    }

    /// <summary>§3.2, §4.3.4: the stored response with the 304's fields, its age and lifetime from now on.</summary>
    private CachedResponse Refresh(CachedResponse entry, HttpResponseHead notModified, DateTimeOffset requestTime, DateTimeOffset now)
    {
        var merged = CachePolicy.MergeNotModified(entry.Headers, notModified.Headers);
        var control = CacheControl.Parse(merged);
        CachePolicy.RemoveUnstorableFields(merged, control);
        CachePolicy.AddDateIfMissing(merged, now);
        var head = CachedResponse.StoredHead(entry.Status, entry.Reason, merged, entry.Body.Count);
        var lifetime = CachePolicy.FreshnessLifetime(head, control, _settings, now);
        return new CachedResponse(entry.PrimaryKey, entry.Host, entry.Target, head, entry.Body, requestTime, now, entry.VaryFields,
            entry.SecondaryKey, lifetime);
    }

    /// <summary>A miss: the first request for the key fetches it from the origin; the ones that arrive while it does
    /// wait for its response and share it (request coalescing).</summary>
    private ValueTask<FilterVerdict> LeadOrFollow(IExchange exchange, Lookup lookup)
    {
        var fill = new InflightFill(lookup.Key);
        var leader = _store.Inflight.GetOrAdd(lookup.Key, fill);
        if (ReferenceEquals(leader, fill))
        {
            lookup.Leading = fill;
            exchange.RegisterForDispose(new LeaderRelease(_store, fill));
            // In a cluster the key's owner is asked first: the requests here that wait share its answer.
            if (!exchange.Request!.HasBody && OwnerElsewhere(lookup.Key) is { } owner) return AskOwner(exchange, lookup, owner);
            _store.CountMiss();
            return ValueTask.FromResult(FilterVerdict.Continue);
        }
        var head = leader.Head;
        return head.IsCompletedSuccessfully
            ? ValueTask.FromResult(Follow(exchange, lookup, leader, head.Result))
            : AwaitLeader(exchange, lookup, leader);
    }

    private async ValueTask<FilterVerdict> AwaitLeader(IExchange exchange, Lookup lookup, InflightFill leader) =>
        Follow(exchange, lookup, leader, await leader.Head.ConfigureAwait(false));

    /// <summary>The leader's head came: a follower whose request selects the same variant streams the leader's response;
    /// one whose does not, or when the response is not shared, goes to the origin.</summary>
    private FilterVerdict Follow(IExchange exchange, Lookup lookup, InflightFill leader, SharedHead? shared)
    {
        if (shared is null || shared.VaryFields is { } vary && CachePolicy.SecondaryKey(vary, exchange.Request!.Headers) != shared.SecondaryKey)
        {
            if (shared is not null) lookup.Forward = CacheForward.VaryMiss;
            _store.CountMiss();
            return FilterVerdict.Continue;
        }
        lookup.Served = true;
        _store.CountCoalesced();
        var status = CacheStatus.Forward(_name, lookup.Forward, stored: false, shared.Head.Status) + "; collapsed";
        return FilterVerdict.Serve(new InflightSource(leader, shared.Head, status));
    }

    /// <summary>The leader's exchange ended: its fetch is no longer waited for (followers still waiting go to the origin
    /// if its body did not finish).</summary>
    private sealed class LeaderRelease(ResponseStore store, InflightFill fill) : IDisposable
    {
        public void Dispose()
        {
            store.Inflight.TryRemove(new KeyValuePair<string, InflightFill>(fill.Key, fill));
            fill.Fail("the request that fetched this response ended before its body did");
        }
    }

    /// <summary>On to the origin, unless the client asked only for what the cache holds (§5.2.1.7: 504).</summary>
    private static FilterVerdict Forward(CacheControl requestControl) =>
        requestControl.OnlyIfCached ? FilterVerdict.Respond(ProxyError.NotInCache) : FilterVerdict.Continue;

    public void OnResponseHead(IExchange exchange, HttpResponseHead head)
    {
        if (exchange.Items.TryGetValue(this, out var state) is false) return;
        if (exchange.LocalAnswer)
        {
            // The node answered itself (the origin failed, or a filter refused): nothing to share.
            (state as Lookup)?.Leading?.Decline();
            return;
        }
        var request = exchange.Request!;
        if (state is Invalidation)
        {
            Invalidate(exchange, request, head);
            return;
        }
        var lookup = (Lookup)state!;
        // A hit, or the stale response served because the origin failed: its Cache-Status is in the head already.
        if (lookup.Served || ReferenceEquals(head, lookup.Fallback?.Head)) return;
        if (lookup.Stale is not null && AfterRevalidation(exchange, lookup, head))
        {
            lookup.Served = true; // the replacement's head comes through here again
            return;
        }
        var responseControl = CacheControl.Parse(head.Headers);
        var decision = CachePolicy.Storable(request, lookup.Control, head, responseControl, _settings);
        TimeSpan? ttl = null;
        if (decision.Store)
        {
            var responseTime = _clock.GetUtcNow();
            var lifetime = CachePolicy.FreshnessLifetime(head, responseControl, _settings, responseTime);
            ttl = lifetime;
            // The owner's response is kept here only as a local copy (when they are on); it is shared with the requests
            // waiting here either way.
            var keep = !lookup.FromOwner || _settings.LocalCopies;
            var fill = new CacheFill(this, lookup, request, head, responseControl, lifetime, responseTime, keep);
            lookup.Leading?.Publish(fill.SharedHead(head));
            // A body-less response (204, or a framing of none) is stored now: no body chunk will come.
            if (head.Framing == BodyFraming.None) fill.Complete();
            else exchange.AddResponseBodyFilter(fill);
        }
        else lookup.Leading?.Decline();
        // The owner's answer carries its Cache-Status: the owner is the cluster's cache for this key.
        if (lookup.FromOwner) return;
        head.Headers.Add("Cache-Status", CacheStatus.Forward(_name, lookup.Forward, decision.Store, head.Status, ttl,
            decision.Store ? null : decision.Reason));
    }

    /// <summary>§4.4: after a non-error response to an unsafe method, the target URI and the same-host Location and
    /// Content-Location are no longer served from the cache.</summary>
    private void Invalidate(IExchange exchange, HttpRequestHead request, HttpResponseHead head)
    {
        foreach (var target in CachePolicy.InvalidatedTargets(request, head))
        {
            var split = target.IndexOf('?');
            var path = split < 0 ? target : target[..split];
            var query = split < 0 ? "" : target[(split + 1)..];
            var get = new HttpRequestHead
            {
                Method = "GET", Target = target, Path = path, Query = query, Version = request.Version, Headers = request.Headers,
                Host = request.Host, Authority = request.Authority,
            };
            _store.Remove(CachePolicy.PrimaryKey(get, exchange.Secure, _settings.Key));
        }
    }

    private static bool IsSafe(string method) => method is "GET" or "HEAD" or "OPTIONS" or "TRACE";

    internal void Store(CachedResponse entry) => _store.Put(entry);

    internal long MaxObjectBytes => _settings.MaxObjectBytes;

    /// <summary>This filter's state for a GET or HEAD exchange (in <see cref="IExchange.Items"/>).</summary>
    internal sealed class Lookup(string key, CacheControl control, DateTimeOffset requestTime)
    {
        public string Key { get; } = key;
        public CacheControl Control { get; } = control;
        /// <summary>§4.2.3 request_time.</summary>
        public DateTimeOffset RequestTime { get; } = requestTime;
        /// <summary>Why the request went upstream (RFC 9211 fwd).</summary>
        public CacheForward Forward { get; set; } = CacheForward.Miss;
        /// <summary>Answered from the store.</summary>
        public bool Served { get; set; }
        /// <summary>The stored response that was not fresh enough to serve as it is (being revalidated).</summary>
        public CachedResponse? Stale { get; set; }
        /// <summary>The request carries the stored response's validators: a 304 is about the stored response.</summary>
        public bool Validating { get; set; }
        /// <summary>The key's owner (another node) answered; this node serves its response (and keeps a local copy).</summary>
        public bool FromOwner { get; set; }
        /// <summary>This request fetches the key for the ones that wait for it.</summary>
        public InflightFill? Leading { get; set; }
        /// <summary>The stale response left as the exchange's fallback for an origin failure.</summary>
        public IResponseSource? Fallback { get; set; }
        /// <summary>The client's own If-None-Match and If-Modified-Since, set aside while the cache's validators go up.</summary>
        public HttpHeaderList? ClientConditionals { get; set; }
    }

    /// <summary>The state of an unsafe request's exchange: invalidate on its response.</summary>
    private sealed class Invalidation
    {
        public static readonly Invalidation Instance = new();
    }
}
