using System.Net;
using System.Text;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Caching;

/// <summary>
/// Issue 15 (E5) through a real node and a real backend that counts what it is asked: what a route's cache stores and
/// serves (RFC 9111), the <c>Age</c> and <c>Cache-Status</c> (RFC 9211) of each answer, HEAD and client conditionals
/// answered from a stored GET, Vary, invalidation by unsafe methods, and responses that pass uncached.
/// </summary>
public sealed class CacheSpec
{
    private static byte[] Answer(string body, string headers, string status = "200 OK") =>
        Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\n{headers}Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");

    private static Task<Proxy.Node.Hosting.ProxyNode> Node(RawBackend backend, string cache = "cache { }") =>
        TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            defaults { request-id { enabled = off } }
            routes = [
              { name = cached, pool = main, match { path-prefix = "/c/" }, {{cache}} }
              { name = plain, pool = main }
            ]
            """);

    private static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.None });

    private static async Task<(HttpResponseMessage Response, string Body)> Send(Proxy.Node.Hosting.ProxyNode node, string path,
        HttpMethod? method = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, new Uri(node.BaseUri(), path));
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        if (method == HttpMethod.Post) request.Content = new StringContent("change");
        var response = await Client.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    private static string CacheStatus(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Cache-Status", out var values) ? string.Join(", ", values) : "";

    private static int Asked(RawBackend backend, string path) => backend.Requests.Count(r => r.RequestLine.Contains(" " + path + " "));

    [Fact]
    public async Task AFreshResponse_IsServedFromTheStore_WithAgeAndCacheStatus()
    {
        await using var backend = new RawBackend(_ => Answer("stored body", "Cache-Control: max-age=60\r\nETag: \"v1\"\r\n"));
        await using var node = await Node(backend);

        var (first, firstBody) = await Send(node, "/c/a");
        Assert.Equal("stored body", firstBody);
        var miss = CacheStatus(first);
        Assert.StartsWith("proxy; fwd=uri-miss", miss);
        Assert.Contains("stored", miss);
        Assert.Contains("fwd-status=200", miss);

        var (second, secondBody) = await Send(node, "/c/a");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("stored body", secondBody);
        Assert.StartsWith("proxy; hit; ttl=", CacheStatus(second));
        Assert.NotNull(second.Headers.Age);
        Assert.Equal(11, second.Content.Headers.ContentLength);
        Assert.Equal("\"v1\"", second.Headers.ETag?.ToString());
        Assert.Equal(1, Asked(backend, "/c/a"));
    }

    [Fact]
    public async Task AHead_IsAnsweredFromTheStoredGet_WithItsLengthAndNoBody()
    {
        await using var backend = new RawBackend(_ => Answer("twelve bytes", "Cache-Control: max-age=60\r\n"));
        await using var node = await Node(backend);
        await Send(node, "/c/h");

        var (head, body) = await Send(node, "/c/h", HttpMethod.Head);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("", body);
        Assert.Equal(12, head.Content.Headers.ContentLength);
        Assert.StartsWith("proxy; hit", CacheStatus(head));
        Assert.Single(backend.Requests);
    }

    [Theory]
    [InlineData("Cache-Control: no-store\r\n", "no-store")]
    [InlineData("Cache-Control: private, max-age=60\r\n", "private")]
    [InlineData("Cache-Control: max-age=60\r\nSet-Cookie: s=1\r\n", "set-cookie")]
    [InlineData("Cache-Control: max-age=60\r\nVary: *\r\n", "vary")]
    [InlineData("", "no freshness")] // nothing says how long, and default-ttl is 0
    public async Task AResponseTheRulesForbid_IsNotStored_AndSaysWhy(string headers, string why)
    {
        await using var backend = new RawBackend(_ => Answer("fresh each time", headers));
        await using var node = await Node(backend);
        var (first, _) = await Send(node, "/c/n");
        var (second, body) = await Send(node, "/c/n");

        Assert.Equal("fresh each time", body);
        Assert.DoesNotContain("stored", CacheStatus(first));
        Assert.Contains(why, CacheStatus(first));
        Assert.StartsWith("proxy; fwd=uri-miss", CacheStatus(second));
        Assert.Equal(2, Asked(backend, "/c/n"));
    }

    [Fact]
    public async Task ARequestWithAuthorization_IsStoredOnlyWhenTheResponseSaysPublic()
    {
        await using var backend = new RawBackend(r => Answer("for you",
            r.RequestLine.Contains("/c/pub") ? "Cache-Control: public, max-age=60\r\n" : "Cache-Control: max-age=60\r\n"));
        await using var node = await Node(backend);
        var auth = ("Authorization", "Bearer abc");
        await Send(node, "/c/priv", null, auth);
        await Send(node, "/c/priv", null, auth);
        await Send(node, "/c/pub", null, auth);
        var (hit, _) = await Send(node, "/c/pub", null, auth);

        Assert.Equal(2, Asked(backend, "/c/priv"));
        Assert.Equal(1, Asked(backend, "/c/pub"));
        Assert.StartsWith("proxy; hit", CacheStatus(hit));
    }

    [Fact]
    public async Task DefaultTtl_AppliesOnlyWhenTheResponseSaysNothing()
    {
        await using var backend = new RawBackend(r => Answer("x",
            r.RequestLine.Contains("/c/silent") ? "" : "Cache-Control: max-age=0\r\n"));
        await using var node = await Node(backend, "cache { default-ttl = 60s }");
        await Send(node, "/c/silent");
        var (hit, _) = await Send(node, "/c/silent");
        await Send(node, "/c/zero");
        var (zero, _) = await Send(node, "/c/zero");

        Assert.StartsWith("proxy; hit", CacheStatus(hit));
        Assert.Equal(1, Asked(backend, "/c/silent"));
        Assert.StartsWith("proxy; fwd=stale", CacheStatus(zero)); // stored, but never fresh
        Assert.Equal(2, Asked(backend, "/c/zero"));
    }

    [Fact]
    public async Task Vary_KeepsOneEntryPerVariant()
    {
        await using var backend = new RawBackend(r => Answer("lang " + r.Header("Accept-Language"),
            "Cache-Control: max-age=60\r\nVary: Accept-Language\r\n"));
        await using var node = await Node(backend);
        var en = ("Accept-Language", "en");
        var de = ("Accept-Language", "de");

        await Send(node, "/c/v", null, en);
        var (deMiss, deBody) = await Send(node, "/c/v", null, de);
        var (enHit, enBody) = await Send(node, "/c/v", null, en);
        var (deHit, deHitBody) = await Send(node, "/c/v", null, de);

        Assert.StartsWith("proxy; fwd=vary-miss", CacheStatus(deMiss));
        Assert.Equal(("lang de", "lang en", "lang de"), (deBody, enBody, deHitBody));
        Assert.StartsWith("proxy; hit", CacheStatus(enHit));
        Assert.StartsWith("proxy; hit", CacheStatus(deHit));
        Assert.Equal(2, Asked(backend, "/c/v"));
    }

    [Fact]
    public async Task AClientsOwnConditional_Gets304FromTheStore()
    {
        await using var backend = new RawBackend(_ => Answer("validated", "Cache-Control: max-age=60\r\nETag: \"abc\"\r\n"));
        await using var node = await Node(backend);
        await Send(node, "/c/e");

        var (match, body) = await Send(node, "/c/e", null, ("If-None-Match", "W/\"abc\""));
        var (other, otherBody) = await Send(node, "/c/e", null, ("If-None-Match", "\"zzz\""));

        Assert.Equal(HttpStatusCode.NotModified, match.StatusCode);
        Assert.Equal("", body);
        Assert.Equal("\"abc\"", match.Headers.ETag?.ToString());
        Assert.StartsWith("proxy; hit", CacheStatus(match));
        Assert.Equal((HttpStatusCode.OK, "validated"), (other.StatusCode, otherBody));
        Assert.Equal(1, Asked(backend, "/c/e"));
    }

    [Fact]
    public async Task ASuccessfulPost_InvalidatesItsTarget_AndItsLocationOnTheSameHost()
    {
        await using var backend = new RawBackend(r => r.RequestLine.StartsWith("POST")
            ? Answer("done", "Location: /c/other\r\n", "201 Created")
            : Answer("page", "Cache-Control: max-age=60\r\n"));
        await using var node = await Node(backend);
        await Send(node, "/c/item");
        await Send(node, "/c/other");
        var (hit, _) = await Send(node, "/c/item");
        Assert.StartsWith("proxy; hit", CacheStatus(hit));

        var (posted, _) = await Send(node, "/c/item", HttpMethod.Post);
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var (item, _) = await Send(node, "/c/item");
        var (other, _) = await Send(node, "/c/other");

        Assert.StartsWith("proxy; fwd=uri-miss", CacheStatus(item));
        Assert.StartsWith("proxy; fwd=uri-miss", CacheStatus(other));
        Assert.Equal(3, Asked(backend, "/c/item")); // the first GET, the POST, the GET after it
    }

    [Fact]
    public async Task AChunkedBody_IsStoredWhole_AndServedWithItsLength()
    {
        await using var backend = new RawBackend(_ => Encoding.ASCII.GetBytes(
            "HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
        await using var node = await Node(backend);
        var (first, firstBody) = await Send(node, "/c/chunked");
        var (second, secondBody) = await Send(node, "/c/chunked");

        Assert.Equal(("hello world", "hello world"), (firstBody, secondBody));
        Assert.StartsWith("proxy; hit", CacheStatus(second));
        Assert.Equal(11, second.Content.Headers.ContentLength);
        Assert.Single(backend.Requests);
    }

    [Fact]
    public async Task ABodyOverMaxObject_ReachesTheClientWhole_ButIsNotStored()
    {
        var big = new string('b', 50_000);
        await using var backend = new RawBackend(r => r.RequestLine.Contains("/c/chunked-big")
            ? Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nCache-Control: max-age=60\r\nTransfer-Encoding: chunked\r\n\r\n{big.Length:x}\r\n{big}\r\n0\r\n\r\n")
            : Answer(big, "Cache-Control: max-age=60\r\n"));
        await using var node = await Node(backend, "cache { max-object = 10k }");

        foreach (var path in new[] { "/c/big", "/c/chunked-big" })
        {
            var (first, firstBody) = await Send(node, path);
            var (second, secondBody) = await Send(node, path);
            Assert.Equal(big, firstBody);
            Assert.Equal(big, secondBody);
            Assert.DoesNotContain("hit", CacheStatus(second));
            Assert.Equal(2, Asked(backend, path));
        }
    }

    [Fact]
    public async Task ARequestsNoCache_GoesToTheOrigin_AndRefreshesTheEntry()
    {
        var version = 0;
        await using var backend = new RawBackend(_ => Answer("v" + Interlocked.Increment(ref version), "Cache-Control: max-age=60\r\n"));
        await using var node = await Node(backend);
        await Send(node, "/c/r");
        var (forced, forcedBody) = await Send(node, "/c/r", null, ("Cache-Control", "no-cache"));
        var (hit, hitBody) = await Send(node, "/c/r");

        Assert.StartsWith("proxy; fwd=request", CacheStatus(forced));
        Assert.Equal(("v2", "v2"), (forcedBody, hitBody));
        Assert.StartsWith("proxy; hit", CacheStatus(hit));
    }

    [Fact]
    public async Task ARouteWithoutACache_PassesEverything_WithoutCacheStatus()
    {
        await using var backend = new RawBackend(_ => Answer("plain", "Cache-Control: max-age=60\r\n"));
        await using var node = await Node(backend);
        var (first, _) = await Send(node, "/p");
        var (second, _) = await Send(node, "/p");

        Assert.Equal("", CacheStatus(first) + CacheStatus(second));
        Assert.Equal(2, Asked(backend, "/p"));
    }

    [Fact]
    public async Task AnEntryPastItsLifetime_IsFetchedAgain_AsStale()
    {
        var version = 0;
        // The second answer lives long, so the hit after it does not depend on how fast the machine is.
        await using var backend = new RawBackend(_ => Interlocked.Increment(ref version) is var n && n == 1
            ? Answer("v1", "Cache-Control: max-age=1\r\n")
            : Answer("v" + n, "Cache-Control: max-age=60\r\n"));
        await using var node = await Node(backend);
        await Send(node, "/c/s");
        await Task.Delay(2100);
        var (stale, body) = await Send(node, "/c/s");
        var (hit, hitBody) = await Send(node, "/c/s");

        Assert.StartsWith("proxy; fwd=stale", CacheStatus(stale));
        Assert.Equal(("v2", "v2"), (body, hitBody));
        Assert.StartsWith("proxy; hit", CacheStatus(hit));
    }

    [Fact]
    public async Task OnlyIfCached_IsAnsweredFromTheStore_Or504_NeverByTheOrigin()
    {
        await using var backend = new RawBackend(_ => Answer("held", "Cache-Control: max-age=60\r\n"));
        await using var node = await Node(backend);
        var onlyIfCached = ("Cache-Control", "only-if-cached");

        var (cold, _) = await Send(node, "/c/o", null, onlyIfCached);
        Assert.Equal(HttpStatusCode.GatewayTimeout, cold.StatusCode);
        Assert.Empty(backend.Requests);

        await Send(node, "/c/o");
        var (warm, body) = await Send(node, "/c/o", null, onlyIfCached);
        Assert.Equal((HttpStatusCode.OK, "held"), (warm.StatusCode, body));
        Assert.Single(backend.Requests);
    }

    [Fact]
    public async Task AHit_PassesTheRoutesOtherResponseFilters_AsARelayedResponseWould()
    {
        await using var backend = new RawBackend(_ => Answer("filtered", "Cache-Control: max-age=60\r\nServer: backend\r\n"));
        await using var node = await Node(backend,
            "security-headers = on, transforms { response-headers { set { X-Served-By = edge }, remove = [ Server ] } }, cache { }");
        var (miss, _) = await Send(node, "/c/f");
        var (hit, body) = await Send(node, "/c/f");

        Assert.Equal("filtered", body);
        Assert.StartsWith("proxy; hit", CacheStatus(hit));
        foreach (var response in new[] { miss, hit })
        {
            Assert.Equal("edge", Assert.Single(response.Headers.GetValues("X-Served-By")));
            Assert.False(response.Headers.Contains("Server"));
            Assert.True(response.Headers.Contains("X-Content-Type-Options"));
        }
        Assert.Single(backend.Requests);
    }

    [Fact]
    public async Task AStaleEntry_IsRevalidatedWithItsETag_AndA304ServesTheStoredBody()
    {
        var count = 0;
        await using var backend = new RawBackend(r => Interlocked.Increment(ref count) == 1
            ? Answer("the stored body", "Cache-Control: max-age=1\r\nETag: \"a\"\r\nX-Version: 1\r\n")
            : Encoding.ASCII.GetBytes("HTTP/1.1 304 Not Modified\r\nCache-Control: max-age=60\r\nETag: \"a\"\r\nX-Version: 2\r\n\r\n"));
        await using var node = await Node(backend);
        await Send(node, "/c/r");
        await Task.Delay(2100);

        var (revalidated, body) = await Send(node, "/c/r");
        Assert.Equal((HttpStatusCode.OK, "the stored body"), (revalidated.StatusCode, body));
        Assert.Equal(15, revalidated.Content.Headers.ContentLength);
        var status = CacheStatus(revalidated);
        Assert.StartsWith("proxy; fwd=stale; fwd-status=304; stored", status);
        Assert.Equal("2", Assert.Single(revalidated.Headers.GetValues("X-Version"))); // the 304's fields were merged
        Assert.Equal("\"a\"", backend.Requests.Last().Header("If-None-Match"));

        var (hit, hitBody) = await Send(node, "/c/r");
        var (conditional, _) = await Send(node, "/c/r", null, ("If-None-Match", "\"a\""));
        Assert.Equal("the stored body", hitBody);
        Assert.StartsWith("proxy; hit", CacheStatus(hit));
        Assert.Equal(HttpStatusCode.NotModified, conditional.StatusCode);
        Assert.Equal(2, backend.Requests.Count);
    }

    /// <summary>RFC 5861 §3: within the response's stale-while-revalidate window the stale entry is served at once (a
    /// hit with a negative ttl) and revalidated once in the background with its validators; the next request gets the
    /// refreshed one. With the setting off, the same entry is revalidated in the foreground.</summary>
    [Theory]
    [InlineData("cache { }", true)]
    [InlineData("cache { stale-while-revalidate = off }", false)]
    public async Task WithinStaleWhileRevalidate_TheStaleEntryIsServed_AndRevalidatedInTheBackground(string cache, bool background)
    {
        var count = 0;
        // In the background case the origin holds every refresh until the stale answers are in, so an answer that
        // waited for the refresh would not come back as version 1. (In the foreground case the requests themselves
        // wait for it, so nothing is held.)
        using var refreshHeld = new ManualResetEventSlim(initialState: !background);
        await using var backend = new RawBackend(r =>
        {
            var n = Interlocked.Increment(ref count);
            if (n > 1) refreshHeld.Wait(TimeSpan.FromSeconds(15));
            // Only the first version goes stale within the test.
            return Answer($"version {n}", $"Cache-Control: max-age={(n == 1 ? 1 : 60)}, stale-while-revalidate=30\r\nETag: \"v{n}\"\r\n");
        });
        await using var node = await Node(backend, cache);
        await Send(node, "/c/swr");
        await Task.Delay(1600);

        var stale = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Send(node, "/c/swr")));
        refreshHeld.Set();

        if (!background)
        {
            // No request was answered with the stale entry: each waited for a revalidation, or (sent after one had
            // finished) was a hit on the refreshed entry, never one with a negative ttl.
            Assert.All(stale, s =>
            {
                Assert.NotEqual("version 1", s.Body);
                Assert.Matches("^proxy; (fwd=stale|hit; ttl=[0-9]+$)", CacheStatus(s.Response));
            });
            Assert.Contains(stale, s => CacheStatus(s.Response).StartsWith("proxy; fwd=stale"));
            return;
        }
        Assert.All(stale, s =>
        {
            Assert.Equal("version 1", s.Body);
            Assert.Matches("^proxy; hit; ttl=-[0-9]+; detail=stale-while-revalidate$", CacheStatus(s.Response));
        });
        await Eventually.Holds(() => backend.Requests.Count == 2, TimeSpan.FromSeconds(5), "one background revalidation");
        Assert.Equal("\"v1\"", backend.Requests.Last().Header("If-None-Match"));
        await Eventually.Holds(async () => (await Send(node, "/c/swr")).Body == "version 2", TimeSpan.FromSeconds(5), "the refreshed entry");
        var (fresh, _) = await Send(node, "/c/swr");
        Assert.StartsWith("proxy; hit; ttl=", CacheStatus(fresh));
        Assert.Equal(2, backend.Requests.Count);
    }

    [Fact]
    public async Task AClientsConditional_OnAStaleEntry_GetsA304_OnceTheOriginRevalidatedIt()
    {
        var count = 0;
        await using var backend = new RawBackend(r => Interlocked.Increment(ref count) == 1
            ? Answer("body", "Cache-Control: max-age=1\r\nLast-Modified: Tue, 01 Dec 2026 10:00:00 GMT\r\n")
            : Encoding.ASCII.GetBytes("HTTP/1.1 304 Not Modified\r\nCache-Control: max-age=60\r\n\r\n"));
        await using var node = await Node(backend);
        await Send(node, "/c/lm");
        await Task.Delay(2100);

        var (response, body) = await Send(node, "/c/lm", null, ("If-Modified-Since", "Wed, 02 Dec 2026 10:00:00 GMT"));
        Assert.Equal((HttpStatusCode.NotModified, ""), (response.StatusCode, body));
        // The origin was asked about the stored copy, not about the client's.
        Assert.Equal("Tue, 01 Dec 2026 10:00:00 GMT", backend.Requests.Last().Header("If-Modified-Since"));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("must-revalidate, ", false)] // RFC 9111 §5.2.2.2 outranks stale-if-error
    public async Task AnOrigin5xx_GetsTheStaleEntry_WhenStaleIfErrorAllows(string directive, bool servedStale)
    {
        var count = 0;
        await using var backend = new RawBackend(r => Interlocked.Increment(ref count) == 1
            ? Answer("still good", $"Cache-Control: {directive}max-age=1\r\n")
            : Answer("broken", "", "503 Service Unavailable"));
        await using var node = await Node(backend);
        await Send(node, "/c/e5");
        await Task.Delay(2100);

        var (response, body) = await Send(node, "/c/e5");
        if (servedStale)
        {
            Assert.Equal((HttpStatusCode.OK, "still good"), (response.StatusCode, body));
            Assert.StartsWith("proxy; fwd=stale; fwd-status=503; ttl=-", CacheStatus(response));
            Assert.EndsWith("detail=stale-if-error", CacheStatus(response));
        }
        else
        {
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "broken"), (response.StatusCode, body));
        }
    }

    [Fact]
    public async Task AnOriginThatDoesNotAnswer_GetsTheStaleEntry_AndPastTheWindow_TheNodes502()
    {
        var down = false;
        // Once "down", the backend closes every connection without answering: no upstream response comes.
        await using var backend = new RawBackend(_ => Volatile.Read(ref down) ? null : Answer("cached before the outage", "Cache-Control: max-age=1\r\n"));
        await using var node = await TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            defaults { request-id { enabled = off } }
            routes = [
              { name = cached, pool = main, match { path-prefix = "/c/" }, cache { stale-if-error = 60s } }
              { name = strict, pool = main, match { path-prefix = "/s/" }, cache { stale-if-error = 0s } }
            ]
            """);
        await Send(node, "/c/down");
        await Send(node, "/s/down");
        Volatile.Write(ref down, true);
        await Task.Delay(2100);

        var (stale, body) = await Send(node, "/c/down");
        Assert.Equal((HttpStatusCode.OK, "cached before the outage"), (stale.StatusCode, body));
        Assert.Equal(2, CacheStatus(stale).Split("proxy;").Length); // one member only
        Assert.EndsWith("detail=stale-if-error", CacheStatus(stale));
        Assert.Equal(24, stale.Content.Headers.ContentLength); // served as stored, not re-framed
        Assert.DoesNotContain("fwd-status", CacheStatus(stale)); // no status came from upstream
        var (strict, _) = await Send(node, "/s/down");
        Assert.Equal(HttpStatusCode.BadGateway, strict.StatusCode);
    }

    [Fact]
    public async Task ConcurrentMisses_ForOneKey_AskTheOriginOnce_AndEveryClientGetsTheWholeBody()
    {
        var body = string.Concat(Enumerable.Range(0, 40_000).Select(i => (char)('a' + i % 26))); // 40 KB
        await using var backend = new RawBackend(_ =>
        {
            Thread.Sleep(400); // the origin is slow: the other requests arrive while the first one waits
            return Answer(body, "Cache-Control: max-age=60\r\n");
        });
        await using var node = await Node(backend);

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Send(node, "/c/hot")));

        Assert.Equal(1, Asked(backend, "/c/hot"));
        Assert.All(answers, a => Assert.Equal((HttpStatusCode.OK, body), (a.Response.StatusCode, a.Body)));
        var statuses = answers.Select(a => CacheStatus(a.Response)).ToList();
        Assert.Single(statuses, s => s.Contains("stored")); // the one that fetched it
        Assert.Contains(statuses, s => s.EndsWith("collapsed"));
        var (hit, _) = await Send(node, "/c/hot");
        Assert.StartsWith("proxy; hit", CacheStatus(hit));
    }

    [Fact]
    public async Task WaitersForAResponseTheCacheMayNotStore_AskTheOriginThemselves()
    {
        await using var backend = new RawBackend(_ =>
        {
            Thread.Sleep(300);
            return Answer("personal", "Cache-Control: private\r\n");
        });
        await using var node = await Node(backend);

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Send(node, "/c/mine")));

        Assert.All(answers, a => Assert.Equal("personal", a.Body));
        Assert.Equal(5, Asked(backend, "/c/mine"));
        Assert.DoesNotContain(answers, a => CacheStatus(a.Response).Contains("collapsed"));
    }

    [Fact]
    public async Task WhenTheFirstFetchFails_TheWaitersAskTheOriginThemselves()
    {
        await using var backend = new RawBackend(r =>
        {
            Thread.Sleep(300);
            // The first request (and its retries) is closed without an answer; the others are answered.
            return r.Header("X-Fail") is not null ? null : Answer("second try", "Cache-Control: max-age=60\r\n");
        });
        await using var node = await Node(backend);

        var first = Send(node, "/c/flaky", null, ("X-Fail", "1"));
        // The others come while the first one's fetch is under way.
        await Eventually.Holds(() => backend.Requests.Any(r => r.Header("X-Fail") is not null), TimeSpan.FromSeconds(5), "the first fetch");
        var waiters = Enumerable.Range(0, 4).Select(_ => Send(node, "/c/flaky")).ToList();
        var (failed, _) = await first;
        var answers = await Task.WhenAll(waiters);

        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.All(answers, a => Assert.Equal((HttpStatusCode.OK, "second try"), (a.Response.StatusCode, a.Body)));
        Assert.DoesNotContain(answers, a => CacheStatus(a.Response).Contains("collapsed"));
    }

    /// <summary>RFC 9112 §6.2/§6.3: a stored miss passes with the origin's Content-Length (the cache keeps the bytes as
    /// they are), and never with Content-Length beside Transfer-Encoding; a compressed one is chunked without it.</summary>
    [Theory]
    [InlineData("cache { }", "Content-Length: 13", null)]
    [InlineData("cache { }, compression { algorithms = [ gzip ], min-size = 0 }", "Transfer-Encoding: chunked", "Content-Length")]
    public async Task AMissWithABodyFilter_IsFramedOnce(string middleware, string framing, string? absent)
    {
        await using var backend = new RawBackend(_ => Answer("thirteen byte", "Cache-Control: max-age=60\r\nContent-Type: text/plain\r\n"));
        await using var node = await Node(backend, middleware);
        using var client = new RawClient(node.Listeners["public"]);

        client.Send("GET /c/framed HTTP/1.1\r\nHost: shop.example\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");
        var response = await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(5));

        var head = response[..response.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.Contains(framing, head, StringComparison.OrdinalIgnoreCase);
        Assert.False(head.Contains("Content-Length", StringComparison.OrdinalIgnoreCase) &&
                     head.Contains("Transfer-Encoding", StringComparison.OrdinalIgnoreCase), head);
        if (absent is not null) Assert.DoesNotContain(absent, head, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A route whose cache has no purge-token forwards PURGE like any method (and, as an unsafe method that
    /// succeeded, it invalidates the URL, RFC 9111 §4.4).</summary>
    [Fact]
    public async Task WithoutAPurgeToken_PurgeIsForwarded()
    {
        await using var backend = new RawBackend(_ => Answer("body", "Cache-Control: max-age=60\r\n"));
        await using var node = await Node(backend);
        await Send(node, "/c/p");

        var (purge, _) = await Send(node, "/c/p", new HttpMethod("PURGE"));

        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Contains(backend.Requests, r => r.RequestLine.StartsWith("PURGE /c/p ", StringComparison.Ordinal));
        var (after, _) = await Send(node, "/c/p");
        Assert.StartsWith("proxy; fwd=uri-miss", CacheStatus(after));
    }
}
