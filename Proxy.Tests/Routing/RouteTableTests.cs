using Proxy.Shared.Configuration;
using Proxy.Shared.Routing;
using Xunit;

namespace Proxy.Tests.Routing;

public class RouteTableTests
{
    private static RouteSettings Route(string name, RouteMatch match, string pool = "pool") =>
        new() { Name = name, Match = match, Pool = pool };

    private static RouteTable Table(params RouteSettings[] routes) => RouteTable.Build(routes);

    private static string? MatchName(RouteTable table, Shared.Http.HttpRequestHead request) =>
        table.Match(request)?.Name;

    [Fact]
    public void EmptyTable_MatchesNothing()
    {
        Assert.Null(RouteTable.Build([]).Match(TestRequests.Create()));
        Assert.Null(RouteTable.Empty.Match(TestRequests.Create()));
    }

    [Fact]
    public void RouteWithoutConditions_MatchesEveryRequest()
    {
        var table = Table(Route("default", new RouteMatch()));

        Assert.Equal("default", MatchName(table, TestRequests.Create("POST", "any.host", "/x/y", "a=b")));
        Assert.True(table.Routes[0].IsCatchAll);
    }

    [Fact]
    public void CompiledRoute_ExposesNamePoolAndIndex()
    {
        var table = Table(
            Route("first", new RouteMatch { Path = "/a" }, "pool-a"),
            Route("second", new RouteMatch(), "pool-b"));

        var route = table.Match(TestRequests.Create(path: "/b"));

        Assert.NotNull(route);
        Assert.Equal("second", route.Name);
        Assert.Equal("pool-b", route.PoolName);
        Assert.Equal(1, route.Index);
    }

    [Fact]
    public void FirstMatchingRouteWins_InConfiguredOrder()
    {
        var table = Table(
            Route("api-v1", new RouteMatch { PathPrefix = "/api/v1/" }),
            Route("api", new RouteMatch { PathPrefix = "/api/" }),
            Route("default", new RouteMatch()));

        Assert.Equal("api-v1", MatchName(table, TestRequests.Create(path: "/api/v1/users")));
        Assert.Equal("api", MatchName(table, TestRequests.Create(path: "/api/v2/users")));
        Assert.Equal("default", MatchName(table, TestRequests.Create(path: "/home")));
    }

    [Fact]
    public void BroadRouteListedFirst_ShadowsNarrowerRouteAfterIt()
    {
        var table = Table(
            Route("api", new RouteMatch { PathPrefix = "/api/" }),
            Route("api-v1", new RouteMatch { PathPrefix = "/api/v1/" }));

        Assert.Equal("api", MatchName(table, TestRequests.Create(path: "/api/v1/users")));
    }

    [Fact]
    public void DefaultRouteLast_CatchesWhatEarlierRoutesMiss()
    {
        var table = Table(
            Route("admin", new RouteMatch { Hosts = ["admin.example.com"] }, "admin"),
            Route("default", new RouteMatch(), "web"));

        Assert.Equal("admin", table.Match(TestRequests.Create(host: "admin.example.com"))!.PoolName);
        Assert.Equal("web", table.Match(TestRequests.Create(host: "www.example.com"))!.PoolName);
    }

    [Fact]
    public void NoRouteMatches_ReturnsNull()
    {
        var table = Table(Route("only", new RouteMatch { Path = "/only" }));

        Assert.Null(table.Match(TestRequests.Create(path: "/other")));
    }

    [Fact]
    public void ExactHost_MatchesOnlyThatHost_IgnoringConfiguredCase()
    {
        var table = Table(Route("r", new RouteMatch { Hosts = ["Example.COM", "other.org"] }));

        Assert.NotNull(table.Match(TestRequests.Create(host: "example.com")));
        Assert.NotNull(table.Match(TestRequests.Create(host: "other.org")));
        Assert.Null(table.Match(TestRequests.Create(host: "www.example.com")));
        Assert.Null(table.Match(TestRequests.Create(host: "example.co")));
    }

    [Fact]
    public void WildcardHost_MatchesSubdomainButNotApex()
    {
        var table = Table(Route("r", new RouteMatch { Hosts = ["*.Example.com"] }));

        Assert.NotNull(table.Match(TestRequests.Create(host: "www.example.com")));
        Assert.Null(table.Match(TestRequests.Create(host: "example.com")));
        Assert.Null(table.Match(TestRequests.Create(host: "badexample.com")));
        Assert.Null(table.Match(TestRequests.Create(host: "www.example.com.evil.org")));
    }

    /// <summary>Issue 22: a pattern with a port matches that authority exactly; without one, any port.</summary>
    [Theory]
    [InlineData("api.example.com:8080", "api.example.com:8080", true)]
    [InlineData("api.example.com:8080", "API.example.com:08080", true)]
    [InlineData("api.example.com:8080", "api.example.com:9090", false)]
    [InlineData("api.example.com:8080", "api.example.com", false)]
    [InlineData("api.example.com:80", "api.example.com", false)]
    [InlineData("api.example.com", "api.example.com:8080", true)]
    [InlineData("api.example.com", "api.example.com", true)]
    [InlineData("*.example.com:8443", "www.example.com:8443", true)]
    [InlineData("*.example.com:8443", "www.example.com:443", false)]
    [InlineData("*.example.com:8443", "example.com:8443", false)]
    [InlineData("[::1]:8080", "[::1]:8080", true)]
    [InlineData("[::1]", "[::1]:9000", true)]
    [InlineData("127.0.0.1:8080", "127.0.0.1:8081", false)]
    public void HostPatternWithAPort_MatchesThatAuthority_WithoutAPortAnyPort(string pattern, string hostHeader, bool matches)
    {
        var table = Table(Route("r", new RouteMatch { Hosts = [pattern] }));
        Assert.Equal(matches, table.Match(TestRequests.Create(host: hostHeader)) is not null);
    }

    [Fact]
    public void WildcardHost_MatchesDeeperSubdomains()
    {
        var table = Table(Route("r", new RouteMatch { Hosts = ["*.example.com"] }));

        Assert.NotNull(table.Match(TestRequests.Create(host: "a.b.c.example.com")));
    }

    [Fact]
    public void ExactAndWildcardHosts_InOneRoute_EitherMatches()
    {
        var table = Table(Route("r", new RouteMatch { Hosts = ["example.com", "*.example.com"] }));

        Assert.NotNull(table.Match(TestRequests.Create(host: "example.com")));
        Assert.NotNull(table.Match(TestRequests.Create(host: "api.example.com")));
        Assert.Null(table.Match(TestRequests.Create(host: "example.org")));
    }

    [Fact]
    public void ExactPath_MatchesOnlyTheWholePath_CaseSensitively()
    {
        var table = Table(Route("r", new RouteMatch { Path = "/health" }));

        Assert.NotNull(table.Match(TestRequests.Create(path: "/health")));
        Assert.Null(table.Match(TestRequests.Create(path: "/health/")));
        Assert.Null(table.Match(TestRequests.Create(path: "/healthz")));
        Assert.Null(table.Match(TestRequests.Create(path: "/Health")));
    }

    [Fact]
    public void ExactPath_IgnoresTheQueryString()
    {
        var table = Table(Route("r", new RouteMatch { Path = "/search" }));

        Assert.NotNull(table.Match(TestRequests.Create(path: "/search", query: "q=1")));
    }

    [Fact]
    public void PathPrefix_IsAPlainStringPrefixLikeNginxLocation()
    {
        var slash = Table(Route("r", new RouteMatch { PathPrefix = "/v1/" }));
        var noSlash = Table(Route("r", new RouteMatch { PathPrefix = "/v1" }));

        Assert.NotNull(slash.Match(TestRequests.Create(path: "/v1/")));
        Assert.NotNull(slash.Match(TestRequests.Create(path: "/v1/users/7")));
        Assert.Null(slash.Match(TestRequests.Create(path: "/v1")));
        Assert.Null(slash.Match(TestRequests.Create(path: "/v10/x")));
        Assert.NotNull(noSlash.Match(TestRequests.Create(path: "/v10/x")));
        Assert.NotNull(noSlash.Match(TestRequests.Create(path: "/v1")));
    }

    [Fact]
    public void PathRegex_MatchesByPattern()
    {
        var table = Table(Route("r", new RouteMatch { PathRegex = @"^/users/\d+$" }));

        Assert.NotNull(table.Match(TestRequests.Create(path: "/users/42")));
        Assert.Null(table.Match(TestRequests.Create(path: "/users/abc")));
        Assert.Null(table.Match(TestRequests.Create(path: "/users/42/posts")));
    }

    [Fact]
    public void PathRegex_WithoutAnchors_MatchesAnywhereInThePath()
    {
        var table = Table(Route("r", new RouteMatch { PathRegex = @"\.php$" }));

        Assert.NotNull(table.Match(TestRequests.Create(path: "/wp/admin.php")));
        Assert.Null(table.Match(TestRequests.Create(path: "/admin.php5")));
    }

    [Fact]
    public void PathRegexTimeout_CountsAsNoMatch_AndLaterRoutesAreTried()
    {
        // Nested quantifiers over a string that fails at the end backtrack exponentially.
        var table = Table(
            Route("slow", new RouteMatch { PathRegex = @"^/(\w+\s?)*$" }),
            Route("default", new RouteMatch()));
        var path = "/" + new string('a', 40) + "!";

        var started = DateTime.UtcNow;
        Assert.Equal("default", MatchName(table, TestRequests.Create(path: path)));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Methods_MatchAnyListedMethod_CaseSensitively()
    {
        var table = Table(Route("r", new RouteMatch { Methods = ["GET", "HEAD"] }));

        Assert.NotNull(table.Match(TestRequests.Create(method: "GET")));
        Assert.NotNull(table.Match(TestRequests.Create(method: "HEAD")));
        Assert.Null(table.Match(TestRequests.Create(method: "POST")));
        Assert.Null(table.Match(TestRequests.Create(method: "get")));
    }

    [Fact]
    public void HeaderWithValue_MatchesNameCaseInsensitively_AndValueOrdinally()
    {
        var table = Table(Route("r", new RouteMatch
        {
            Headers = new Dictionary<string, string?> { ["X-Canary"] = "on" },
        }));

        Assert.NotNull(table.Match(TestRequests.Create(headers: ("x-canary", "on"))));
        Assert.Null(table.Match(TestRequests.Create(headers: ("X-Canary", "ON"))));
        Assert.Null(table.Match(TestRequests.Create(headers: ("X-Canary", "off"))));
        Assert.Null(table.Match(TestRequests.Create()));
    }

    [Fact]
    public void HeaderWithValue_MatchesWhenAnyRepeatedFieldHasTheValue()
    {
        var table = Table(Route("r", new RouteMatch
        {
            Headers = new Dictionary<string, string?> { ["X-Tenant"] = "b" },
        }));

        Assert.NotNull(table.Match(TestRequests.Create(headers: [("X-Tenant", "a"), ("Accept", "*/*"), ("x-tenant", "b")])));
    }

    [Fact]
    public void HeaderWithNullValue_MatchesWhenPresentWithAnyValue()
    {
        var table = Table(Route("r", new RouteMatch
        {
            Headers = new Dictionary<string, string?> { ["Authorization"] = null },
        }));

        Assert.NotNull(table.Match(TestRequests.Create(headers: ("authorization", "Bearer x"))));
        Assert.NotNull(table.Match(TestRequests.Create(headers: ("Authorization", ""))));
        Assert.Null(table.Match(TestRequests.Create()));
    }

    [Fact]
    public void SeveralHeaders_MustAllMatch()
    {
        var table = Table(Route("r", new RouteMatch
        {
            Headers = new Dictionary<string, string?> { ["X-A"] = "1", ["X-B"] = null },
        }));

        Assert.NotNull(table.Match(TestRequests.Create(headers: [("X-A", "1"), ("X-B", "z")])));
        Assert.Null(table.Match(TestRequests.Create(headers: ("X-A", "1"))));
        Assert.Null(table.Match(TestRequests.Create(headers: ("X-B", "z"))));
    }

    [Fact]
    public void QueryWithValue_MatchesTheParameterValue()
    {
        var table = Table(Route("r", new RouteMatch
        {
            Query = new Dictionary<string, string?> { ["version"] = "2" },
        }));

        Assert.NotNull(table.Match(TestRequests.Create(query: "version=2")));
        Assert.NotNull(table.Match(TestRequests.Create(query: "a=1&version=2&b")));
        Assert.Null(table.Match(TestRequests.Create(query: "version=3")));
        Assert.Null(table.Match(TestRequests.Create(query: "version=20")));
        Assert.Null(table.Match(TestRequests.Create(query: "xversion=2")));
        Assert.Null(table.Match(TestRequests.Create(query: "")));
    }

    [Fact]
    public void QueryWithValue_MatchesWhenAnyRepeatedParameterHasTheValue()
    {
        var table = Table(Route("r", new RouteMatch
        {
            Query = new Dictionary<string, string?> { ["tag"] = "b" },
        }));

        Assert.NotNull(table.Match(TestRequests.Create(query: "tag=a&tag=b")));
    }

    [Fact]
    public void QueryWithNullValue_MatchesWhenTheParameterIsPresent()
    {
        var table = Table(Route("r", new RouteMatch
        {
            Query = new Dictionary<string, string?> { ["debug"] = null },
        }));

        Assert.NotNull(table.Match(TestRequests.Create(query: "debug")));
        Assert.NotNull(table.Match(TestRequests.Create(query: "debug=")));
        Assert.NotNull(table.Match(TestRequests.Create(query: "x=1&&debug=yes")));
        Assert.Null(table.Match(TestRequests.Create(query: "debugging=1")));
        Assert.Null(table.Match(TestRequests.Create(query: "x=debug")));
    }

    [Fact]
    public void Query_NamesAndValuesArePercentDecodedBeforeComparing()
    {
        var table = Table(Route("r", new RouteMatch
        {
            Query = new Dictionary<string, string?> { ["user name"] = "José & co" },
        }));

        Assert.NotNull(table.Match(TestRequests.Create(query: "user%20name=Jos%C3%A9%20%26%20co")));
        Assert.Null(table.Match(TestRequests.Create(query: "user%20name=Jos%C3%A9")));
    }

    [Fact]
    public void Query_PlusIsNotASpace()
    {
        var table = Table(Route("r", new RouteMatch
        {
            Query = new Dictionary<string, string?> { ["q"] = "a+b" },
        }));

        Assert.NotNull(table.Match(TestRequests.Create(query: "q=a+b")));
        Assert.Null(table.Match(TestRequests.Create(query: "q=a%20b")));
    }

    [Fact]
    public void Query_LongEncodedValue_IsDecoded()
    {
        var value = new string('é', 300);
        var encoded = Uri.EscapeDataString(value);
        var table = Table(Route("r", new RouteMatch
        {
            Query = new Dictionary<string, string?> { ["v"] = value },
        }));

        Assert.NotNull(table.Match(TestRequests.Create(query: "v=" + encoded)));
    }

    [Fact]
    public void AllConditionKinds_MustHoldTogether()
    {
        var table = Table(
            Route("strict", new RouteMatch
            {
                Hosts = ["*.example.com"],
                PathPrefix = "/api/",
                PathRegex = "/orders/",
                Methods = ["POST"],
                Headers = new Dictionary<string, string?> { ["X-Tenant"] = "acme" },
                Query = new Dictionary<string, string?> { ["dry-run"] = null },
            }),
            Route("default", new RouteMatch()));
        HttpRequestFactory request = (method, host, path, query, tenant) =>
            TestRequests.Create(method, host, path, query, ("X-Tenant", tenant));

        Assert.Equal("strict", MatchName(table, request("POST", "shop.example.com", "/api/orders/1", "dry-run", "acme")));
        Assert.Equal("default", MatchName(table, request("GET", "shop.example.com", "/api/orders/1", "dry-run", "acme")));
        Assert.Equal("default", MatchName(table, request("POST", "example.com", "/api/orders/1", "dry-run", "acme")));
        Assert.Equal("default", MatchName(table, request("POST", "shop.example.com", "/web/orders/1", "dry-run", "acme")));
        Assert.Equal("default", MatchName(table, request("POST", "shop.example.com", "/api/users/1", "dry-run", "acme")));
        Assert.Equal("default", MatchName(table, request("POST", "shop.example.com", "/api/orders/1", "dry-run", "other")));
        Assert.Equal("default", MatchName(table, request("POST", "shop.example.com", "/api/orders/1", "", "acme")));
    }

    [Fact]
    public void Match_IsSafeFromManyThreadsAtOnce()
    {
        var table = Table(
            Route("a", new RouteMatch { Hosts = ["*.a.test"], Query = new Dictionary<string, string?> { ["x"] = "1" } }),
            Route("b", new RouteMatch { PathRegex = "^/b/" }),
            Route("default", new RouteMatch()));
        var wrong = 0;

        Parallel.For(0, 20_000, i =>
        {
            var expected = (i % 3) switch { 0 => "a", 1 => "b", _ => "default" };
            var request = (i % 3) switch
            {
                0 => TestRequests.Create(host: "w.a.test", query: "x=1"),
                1 => TestRequests.Create(path: "/b/" + i),
                _ => TestRequests.Create(path: "/c"),
            };
            if (table.Match(request)?.Name != expected) Interlocked.Increment(ref wrong);
        });

        Assert.Equal(0, wrong);
    }

    private delegate Shared.Http.HttpRequestHead HttpRequestFactory(
        string method, string host, string path, string query, string tenant);
}
