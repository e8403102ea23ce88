using Akka.Actor;
using Proxy.Actors.Exchange;
using Proxy.Actors.Exchange.Filters;
using Proxy.Actors.Limits;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;
using Proxy.Shared.RateLimiting;
using Proxy.Shared.Routing;
using Proxy.Tests.Routing;
using Xunit;
using Proxy.Shared.Pipeline;

namespace Proxy.Tests.Exchange;

/// <summary>Issue 12: the request filter and response head phases driven without a socket or a stream — only an
/// <see cref="ExchangeContext"/>, as an HTTP/2 front or the cache will drive them. The store behind the limiter is a
/// lease store answering from a dictionary (the cluster and Redis stores are covered by the rate-limit specs).</summary>
public sealed class RequestFilterPipelineTests
{
    // Request ids off: these tests look at the rate-limit filter alone.
    private static readonly RouteSettings ApiRoute = new() { Name = "api", Pool = "api", Middleware = new() { RequestId = new() { Enabled = false } } };

    private static readonly RouteTable Routes = RouteTable.Build([ApiRoute]);

    private static RateLimitSettings Limit(string name, long burst, StoreFailureMode onFailure = StoreFailureMode.Allow) => new()
    {
        Name = name, Rate = new RateSpec(burst, TimeSpan.FromMinutes(1)), Burst = burst, Store = RateLimitStore.Redis,
        OnStoreFailure = onFailure,
    };

    private static ExchangeContext Exchange(string client = "10.0.0.1")
    {
        var head = TestRequests.Create(path: "/orders");
        return new ExchangeContext(head, client) { Route = Routes.Match(head) };
    }

    private static RoutePipeline Pipeline(ILeaseStore store, params RateLimitSettings[] limits)
    {
        var limiter = new LimiterRuntime(limits, ["api"]);
        limiter.Attach(ActorRefs.Nobody, "node-1", redis: store);
        return RoutePipeline.ForRoutes([ApiRoute], limiter)["api"];
    }

    [Fact]
    public async Task ALimitedRoute_PassesWhileTokensLast_ThenAnswers429_WithTheLimitsFields()
    {
        var store = new CountingStore(tokens: 2);
        var pipeline = Pipeline(store, Limit("per-client", burst: 2));
        var filter = Assert.Single(pipeline.RequestFilters);

        var first = Exchange();
        // A cold key waits for the store: the filter's answer is pending, not blocking the caller.
        var pending = filter.OnRequestAsync(first);
        Assert.False(pending.IsCompleted);
        store.Release();
        Assert.True((await pending).Continues);
        Assert.Equal(1, RateLimitFilter.Tightest(first)?.Remaining);

        var response = new HttpResponseHead
        {
            Status = 200, Reason = "OK", Version = 11, Headers = new HttpHeaderList(), Framing = BodyFraming.None,
        };
        foreach (var headFilter in pipeline.ResponseHeadFilters) headFilter.OnResponseHead(first, response);
        Assert.Equal("2", response.Headers.Get("RateLimit-Limit"));
        Assert.Equal("1", response.Headers.Get("RateLimit-Remaining"));

        // The lease taken for the first request answers the second at once.
        var second = filter.OnRequestAsync(Exchange());
        Assert.True(second.IsCompletedSuccessfully);
        Assert.True((await second).Continues);

        var third = await filter.OnRequestAsync(Exchange());
        Assert.False(third.Continues);
        Assert.Equal(ProxyError.RateLimited, third.Answer);
        Assert.Equal(429, ProxyErrors.StatusOf(third.Answer));
        Assert.NotNull(third.Headers?.Get("Retry-After"));
        Assert.Equal("0", third.Headers?.Get("RateLimit-Remaining"));

        // Another client has its own bucket.
        store.Tokens = 2;
        Assert.True((await filter.OnRequestAsync(Exchange(client: "10.0.0.2"))).Continues);
    }

    [Fact]
    public async Task AStoreThatFails_DecidesByOnStoreFailure()
    {
        var denying = Pipeline(new FailingStore(), Limit("strict", burst: 5, StoreFailureMode.Deny)).RequestFilters[0];
        var denied = await denying.OnRequestAsync(Exchange());
        Assert.Equal(ProxyError.RateLimitStoreUnavailable, denied.Answer);
        Assert.Equal(503, ProxyErrors.StatusOf(denied.Answer));

        var allowing = Pipeline(new FailingStore(), Limit("lenient", burst: 5)).RequestFilters[0];
        Assert.True((await allowing.OnRequestAsync(Exchange())).Continues);
    }

    [Fact]
    public void ARouteWithoutLimits_HasNoFilters() =>
        Assert.Empty(RoutePipeline.ForRoutes([ApiRoute], limiter: null));

    /// <summary>Grants up to <see cref="Tokens"/> in total; the first grant waits for <see cref="Release"/>.</summary>
    private sealed class CountingStore(long tokens) : ILeaseStore
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Tokens { get; set; } = tokens;

        public void Release() => _released.TrySetResult();

        public async Task<LeaseGrant> AcquireAsync(RateLimitSettings limit, AcquireLease request)
        {
            await _released.Task;
            var granted = Math.Min(request.Wanted, Tokens);
            Tokens -= granted;
            return new LeaseGrant(request.EntityId, granted, ValidForMs: 60_000, Remaining: Tokens,
                RetryAfterMs: granted == 0 ? 30_000 : 0, ResetMs: 60_000);
        }
    }

    private sealed class FailingStore : ILeaseStore
    {
        public Task<LeaseGrant> AcquireAsync(RateLimitSettings limit, AcquireLease request) =>
            Task.FromException<LeaseGrant>(new TimeoutException("store did not answer"));
    }
}
