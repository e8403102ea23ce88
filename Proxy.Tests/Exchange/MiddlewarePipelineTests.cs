using Proxy.Actors.Exchange;
using Proxy.Actors.Exchange.Filters;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;
using Proxy.Tests.Routing;
using Xunit;
using Proxy.Shared.Pipeline;

namespace Proxy.Tests.Exchange;

/// <summary>Issue 12: request ids (E6) and transforms (R3) driven through a route's <see cref="RoutePipeline"/> with an
/// <see cref="ExchangeContext"/> only — no socket, no stage — in the order the phases run.</summary>
public sealed class MiddlewarePipelineTests
{
    private static RoutePipeline PipelineOf(RouteSettings route) => RoutePipeline.ForRoutes([route], limiter: null)[route.Name];

    private static HttpResponseHead Response(int status = 200) => new()
    {
        Status = status, Reason = "OK", Version = 11, Headers = new HttpHeaderList(), Framing = BodyFraming.None,
    };

    private static List<string?> Values(HttpHeaderList headers, string name)
    {
        var values = new List<string?>();
        for (var i = headers.IndexOf(name, 0); i >= 0; i = headers.IndexOf(name, i + 1)) values.Add(headers[i].Value);
        return values;
    }

    /// <summary>The phases as the stage runs them on a request that goes upstream and comes back.</summary>
    private static async Task<HttpResponseHead> Run(RoutePipeline pipeline, ExchangeContext exchange, HttpResponseHead response)
    {
        foreach (var filter in pipeline.RequestFilters) Assert.True((await filter.OnRequestAsync(exchange)).Continues);
        foreach (var filter in pipeline.UpstreamRequestFilters) filter.OnUpstreamRequest(exchange, exchange.Request!);
        foreach (var filter in pipeline.ResponseHeadFilters) filter.OnResponseHead(exchange, response);
        return response;
    }

    [Fact]
    public async Task WithoutAClientId_OneIsGenerated_AsAUuidV7_ForwardedAndReturned()
    {
        var pipeline = PipelineOf(new RouteSettings { Name = "r", Pool = "p" });
        var exchange = new ExchangeContext(TestRequests.Create(), "10.0.0.1");
        var response = await Run(pipeline, exchange, Response());
        Assert.True(Guid.TryParse(exchange.RequestId, out var id));
        Assert.Equal(7, id.Version);
        Assert.Equal(exchange.RequestId, exchange.Request!.Headers.Get("X-Request-ID"));
        Assert.Equal(exchange.RequestId, response.Headers.Get("X-Request-ID"));

        // Each request has its own; the first 48 bits are the time in ms, so ids sort by arrival.
        var next = new ExchangeContext(TestRequests.Create(), "10.0.0.1");
        await Run(pipeline, next, Response());
        Assert.NotEqual(exchange.RequestId, next.RequestId);
        Assert.True(string.CompareOrdinal(next.RequestId![..13], exchange.RequestId![..13]) >= 0);
    }

    [Theory]
    [InlineData("abc-123", true)]
    [InlineData("!~", true)]
    [InlineData("has space", false)]
    [InlineData("caf\u00e9", false)]
    [InlineData("", false)]
    public async Task AClientId_IsKeptOnlyWhenUsable(string sent, bool kept)
    {
        var pipeline = PipelineOf(new RouteSettings { Name = "r", Pool = "p" });
        var exchange = new ExchangeContext(TestRequests.Create(headers: ("X-Request-ID", sent)), "10.0.0.1");
        var response = await Run(pipeline, exchange, Response());
        if (kept) Assert.Equal(sent, exchange.RequestId);
        else Assert.True(Guid.TryParse(exchange.RequestId, out _));
        Assert.Equal([exchange.RequestId], Values(exchange.Request!.Headers, "X-Request-ID"));
        Assert.Equal(exchange.RequestId, response.Headers.Get("X-Request-ID"));
    }

    [Fact]
    public async Task AClientId_OfMoreThan128Characters_OrSentTwice_IsReplaced()
    {
        var pipeline = PipelineOf(new RouteSettings { Name = "r", Pool = "p" });
        var exact = new string('a', RequestIdFilter.MaxLength);
        var exchange = new ExchangeContext(TestRequests.Create(headers: ("X-Request-ID", exact)), "c");
        await Run(pipeline, exchange, Response());
        Assert.Equal(exact, exchange.RequestId);

        exchange = new ExchangeContext(TestRequests.Create(headers: ("X-Request-ID", exact + "a")), "c");
        await Run(pipeline, exchange, Response());
        Assert.True(Guid.TryParse(exchange.RequestId, out _));

        exchange = new ExchangeContext(TestRequests.Create(headers: [("X-Request-ID", "one"), ("X-Request-ID", "two")]), "c");
        await Run(pipeline, exchange, Response());
        Assert.True(Guid.TryParse(exchange.RequestId, out _));
    }

    [Fact]
    public async Task WithGenerateOff_OnlyAClientIdTravels_AndAnUnusableOneIsDropped()
    {
        var pipeline = PipelineOf(new RouteSettings { Name = "r", Pool = "p", Middleware = new() { RequestId = new() { Header = "X-Trace", Generate = false } } });
        var none = new ExchangeContext(TestRequests.Create(), "c");
        var response = await Run(pipeline, none, Response());
        Assert.Null(none.RequestId);
        Assert.False(response.Headers.Contains("X-Trace"));

        var bad = new ExchangeContext(TestRequests.Create(headers: ("X-Trace", "a b")), "c");
        await Run(pipeline, bad, Response());
        Assert.False(bad.Request!.Headers.Contains("X-Trace"));

        var good = new ExchangeContext(TestRequests.Create(headers: ("X-Trace", "t-1")), "c");
        Assert.Equal("t-1", (await Run(pipeline, good, Response())).Headers.Get("X-Trace"));
    }

    [Fact]
    public void RequestIdsOff_LeaveARouteWithoutMiddleware() =>
        Assert.Empty(RoutePipeline.ForRoutes([new RouteSettings { Name = "r", Pool = "p", Middleware = new() { RequestId = new() { Enabled = false } } }], null));

    [Fact]
    public async Task Transforms_RewriteTheUpstreamTarget_AndTheHeaders_ButLeaveTheClientsRequestAsSent()
    {
        var pipeline = PipelineOf(new RouteSettings
        {
            Name = "r", Pool = "p",
            Middleware = new()
            {
                RequestId = new() { Enabled = false },
                Transforms = new TransformSettings
                {
                    StripPrefix = "/api", AddPrefix = "/v2",
                    RequestHeaders = new() { Set = [new("X-Env", "prod")], Append = [new("X-Tag", "a")], Remove = ["X-Debug"] },
                    ResponseHeaders = new() { Set = [new("X-Served-By", "proxy")], Remove = ["Server"] },
                    Query = new() { Set = [new("lang", "en")], Remove = ["debug"] },
                },
            },
        });
        var exchange = new ExchangeContext(
            TestRequests.Create(path: "/api/users", query: "debug=1&id=7", headers: [("X-Debug", "1"), ("X-Tag", "z"), ("X-Env", "dev")]), "c");
        var backend = Response();
        backend.Headers.Add("Server", "kestrel");
        var response = await Run(pipeline, exchange, backend);

        Assert.Equal("/v2/users?id=7&lang=en", exchange.UpstreamTarget);
        Assert.Equal("/api/users", exchange.Request!.Path); // the access log shows what the client asked for
        var headers = exchange.Request.Headers;
        Assert.Null(headers.Get("X-Debug"));
        Assert.Equal("prod", headers.Get("X-Env"));
        Assert.Equal(["z", "a"], Values(headers, "X-Tag"));
        Assert.Equal("proxy", response.Headers.Get("X-Served-By"));
        Assert.False(response.Headers.Contains("Server"));

        // The node's own answers keep their headers as they are.
        var local = new ExchangeContext(TestRequests.Create(path: "/api/x"), "c") { LocalAnswer = true };
        var answer = Response(502);
        foreach (var filter in pipeline.ResponseHeadFilters) filter.OnResponseHead(local, answer);
        Assert.False(answer.Headers.Contains("X-Served-By"));
    }

    [Fact]
    public void ResponseHeadFilters_RunInTheReverseOfTheRequestOrder()
    {
        var first = new Recorder();
        var second = new Recorder();
        var pipeline = RoutePipeline.Of([first, second]);
        Assert.Equal([first, second], pipeline.RequestFilters);
        Assert.Equal([second, first], pipeline.ResponseHeadFilters);
    }

    private sealed class Recorder : IRequestFilter, IResponseHeadFilter
    {
        public ValueTask<FilterVerdict> OnRequestAsync(IExchange exchange) => ValueTask.FromResult(FilterVerdict.Continue);
        public void OnResponseHead(IExchange exchange, HttpResponseHead head) { }
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, "max-age=31536000")]
    public void SecurityHeaders_AddHsts_OnlyOverTls(bool secure, string? hsts)
    {
        var pipeline = PipelineOf(new RouteSettings { Name = "r", Pool = "p", Middleware = new() { RequestId = new() { Enabled = false }, SecurityHeaders = true } });
        var response = Response();
        foreach (var filter in pipeline.ResponseHeadFilters)
            filter.OnResponseHead(new ExchangeContext(TestRequests.Create(), "c") { Secure = secure }, response);
        Assert.Equal(hsts, response.Headers.Get("Strict-Transport-Security"));
        Assert.Equal("nosniff", response.Headers.Get("X-Content-Type-Options"));
    }

    [Fact]
    public void GeneratedIds_AreUuidV7Text_Unique_AndStartWithTheTime()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var ids = Enumerable.Range(0, 10_000).Select(_ => RequestIds.NewUuidV7()).ToList();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        foreach (var id in ids.Take(100))
        {
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
            var millis = Convert.ToInt64(id[..8] + id[9..13], 16);
            Assert.InRange(millis, before, after);
        }
    }
}
