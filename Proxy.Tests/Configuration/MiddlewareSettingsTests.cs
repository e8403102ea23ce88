using Proxy.Shared.Configuration;
using Xunit;
using static Proxy.Tests.Configuration.ConfigTesting;

namespace Proxy.Tests.Configuration;

/// <summary>Issue 12 (E6, R3): <c>proxy.defaults</c>, a route's request-id and transforms — how they bind, what a
/// route inherits, and every mistake with its path.</summary>
public sealed class MiddlewareSettingsTests
{
    [Fact]
    public void WithoutAnyBlock_RequestIdsAreOn_WithXRequestId_AndNoTransforms()
    {
        var settings = LoadValid(Config());
        var route = Assert.Single(settings.Routes);
        Assert.Equal(new RequestIdSettings { Enabled = true, Header = "X-Request-ID", Generate = true }, route.Middleware.RequestId);
        Assert.Equal(settings.Defaults.RequestId, route.Middleware.RequestId);
        Assert.Null(route.Middleware.Transforms);
    }

    [Fact]
    public void ARouteInheritsRequestIdKeyByKey_AndItsTransformsReplaceTheDefaultsWhole()
    {
        var settings = LoadValid(Config(
            routes: """
                [
                  { name = plain, pool = api }
                  { name = own, pool = api, match { path-prefix = "/api/" }, request-id { generate = off },
                    transforms { strip-prefix = "/api" } }
                ]
                """,
            extra: """
                defaults {
                  request-id { header = X-Trace-Id }
                  transforms { response-headers { set { X-Served-By = proxy } } }
                }
                """));
        var plain = settings.Routes[0];
        var own = settings.Routes[1];
        Assert.Equal(new RequestIdSettings { Header = "X-Trace-Id", Generate = true }, plain.Middleware.RequestId);
        Assert.Equal(new RequestIdSettings { Header = "X-Trace-Id", Generate = false }, own.Middleware.RequestId);
        Assert.Same(settings.Defaults.Transforms, plain.Middleware.Transforms);
        Assert.Equal("/api", own.Middleware.Transforms!.StripPrefix);
        Assert.Empty(own.Middleware.Transforms.ResponseHeaders.Set); // replaced whole, not merged
    }

    [Fact]
    public void EveryTransformKey_Binds_InTheOrderWritten()
    {
        var settings = LoadValid(Config(routes: """
            [ { name = r, pool = api, match { path-prefix = "/api/" }
                transforms {
                  strip-prefix = "/api"
                  add-prefix = "/v2"
                  request-headers { set { X-Env = prod, Host = "internal.example" }, append { X-Tag = a }, remove = [ X-Debug ] }
                  response-headers { set { X-Served-By = proxy }, remove = [ Server ] }
                  query { set { lang = en }, remove = [ debug, trace ] }
                } } ]
            """));
        var t = settings.Routes[0].Middleware.Transforms!;
        Assert.Equal("/v2", t.AddPrefix);
        Assert.Equal(["X-Env", "Host"], t.RequestHeaders.Set.Select(p => p.Key));
        Assert.Equal("internal.example", t.RequestHeaders.Set[1].Value);
        Assert.Equal("a", Assert.Single(t.RequestHeaders.Append).Value);
        Assert.Equal(["X-Debug"], t.RequestHeaders.Remove);
        Assert.Equal(["Server"], t.ResponseHeaders.Remove);
        Assert.Equal("en", Assert.Single(t.Query.Set).Value);
        Assert.Equal(["debug", "trace"], t.Query.Remove);
    }

    [Theory]
    [InlineData("""transforms { strip-prefix = "/api" }""", "proxy.routes[0].transforms.strip-prefix: strip-prefix '/api' needs the route to match it: give the route match { path-prefix = \"/api/\" } (or a path or path-prefix under it)")]
    [InlineData("""match { path-prefix = "/a/" }, transforms { strip-prefix = "a" }""", "proxy.routes[0].transforms.strip-prefix: must start with '/', got 'a'")]
    [InlineData("""transforms { add-prefix = "/v2/" }""", "proxy.routes[0].transforms.add-prefix: must not end with '/' (write \"/api\", not \"/v2/\")")]
    [InlineData("""transforms { add-prefix = "/v2//x" }""", "proxy.routes[0].transforms.add-prefix: has an empty segment ('//') in '/v2//x'")]
    [InlineData("""transforms { add-prefix = "/../x" }""", "proxy.routes[0].transforms.add-prefix: has a dot segment in '/../x'")]
    [InlineData("""transforms { add-prefix = "/a b" }""", "proxy.routes[0].transforms.add-prefix: ' ' is not allowed in a path (percent-encode it), in '/a b'")]
    [InlineData("""transforms { prefix = "/x" }""", "proxy.routes[0].transforms.prefix: unknown key 'prefix'")]
    [InlineData("""transforms { request-headers { set { Connection = close } } }""", "proxy.routes[0].transforms.request-headers.set.Connection: 'Connection' may not be set here: the proxy manages it")]
    [InlineData("""transforms { request-headers { append { Host = x } } }""", "proxy.routes[0].transforms.request-headers.append.Host: 'Host' may not be set here: the proxy manages it (Host can be set, not appended)")]
    [InlineData("""transforms { request-headers { remove = [ Host ] } }""", "proxy.routes[0].transforms.request-headers.remove[0]: 'Host' may not be removed: the proxy manages it")]
    [InlineData("""transforms { response-headers { remove = [ Content-Length ] } }""", "proxy.routes[0].transforms.response-headers.remove[0]: 'Content-Length' may not be removed: the proxy manages it")]
    [InlineData("""transforms { response-headers { set { Transfer-Encoding = chunked } } }""", "proxy.routes[0].transforms.response-headers.set.Transfer-Encoding: 'Transfer-Encoding' may not be set here: the proxy manages it")]
    [InlineData("""transforms { response-headers { set { X-A = "a\nb" } } }""", "proxy.routes[0].transforms.response-headers.set.X-A: the value has characters a header field cannot carry (control characters, line breaks or leading/trailing spaces)")]
    [InlineData("""transforms { response-headers { remove = [ "Bad Name" ] } }""", "proxy.routes[0].transforms.response-headers.remove[0]: not a header field name: 'Bad Name'")]
    [InlineData("""transforms { query { remove = [ "" ] } }""", "proxy.routes[0].transforms.query.remove[0]: empty parameter name")]
    [InlineData("""transforms { query { add { a = b } } }""", "proxy.routes[0].transforms.query.add: unknown key 'add'")]
    [InlineData("""request-id { header = "X Id" }""", "proxy.routes[0].request-id.header: not a header field name: 'X Id'")]
    [InlineData("""request-id { header = Connection }""", "proxy.routes[0].request-id.header: 'Connection' is a field the proxy manages; choose another name")]
    [InlineData("""request-id { generate = maybe }""", "proxy.routes[0].request-id.generate: expected on or off, got 'maybe'")]
    [InlineData("""request-id { id = x }""", "proxy.routes[0].request-id.id: unknown key 'id'")]
    [InlineData("""access { allow = [ "10.0.0.1/8" ] }""", "proxy.routes[0].access.allow[0]: '10.0.0.1/8' is not a valid CIDR (expected e.g. 10.0.0.0/8 or fd00::/8, with the host bits zero)")]
    [InlineData("""access { trusted-proxies = [ "proxy.internal" ] }""", "proxy.routes[0].access.trusted-proxies[0]: 'proxy.internal' is not an address or a CIDR (expected e.g. 10.0.0.0/8, 192.0.2.7 or fd00::/8)")]
    [InlineData("""access { permit = [ "10.0.0.0/8" ] }""", "proxy.routes[0].access.permit: unknown key 'permit'")]
    [InlineData("""auth { }""", "proxy.routes[0].auth: name one scheme: auth { api-keys { … } } or auth { basic { … } }")]
    [InlineData("""auth { api-keys { header = X-Key } }""", "proxy.routes[0].auth.api-keys.keys-file: missing: the file to read (a path, relative to the node's working directory)")]
    [InlineData("""auth { api-keys { header = Connection, keys-file = "k" } }""", "proxy.routes[0].auth.api-keys.header: 'Connection' is a field the proxy manages; choose another name")]
    [InlineData("""auth { basic { realm = "a\\b", users-file = "u" } }""", "proxy.routes[0].auth.basic.realm: a realm is some text without quotes, backslashes or control characters")]
    [InlineData("""auth { basic { users-file = "u", hash = sha1 } }""", "proxy.routes[0].auth.basic.hash: unknown key 'hash'")]
    [InlineData("""security-headers = maybe""", "proxy.routes[0].security-headers: expected on or off, got 'maybe'")]
    [InlineData("""compression { algorithms = [ zstd ] }""", "proxy.routes[0].compression.algorithms[0]: unknown algorithm 'zstd' (valid: br, gzip)")]
    [InlineData("""compression { algorithms = [ ] }""", "proxy.routes[0].compression.algorithms: empty: name br, gzip or both")]
    [InlineData("""compression { types = [ "text" ] }""", "proxy.routes[0].compression.types[0]: not a media type: 'text' (write type/subtype or type/*)")]
    [InlineData("""compression { level = max }""", "proxy.routes[0].compression.level: unknown level 'max' (valid: fastest, optimal, smallest)")]
    [InlineData("""compression { min-size = lots }""", "proxy.routes[0].compression.min-size: expected a size like 64k, 8KiB or 10MB, got 'lots'")]
    [InlineData("""compression { gzip = on }""", "proxy.routes[0].compression.gzip: unknown key 'gzip'")]
    public void ARouteMistake_IsReportedAtItsPath(string routeBody, string expected) =>
        HasProblem(expected, Problems(Config(routes: $"[ {{ name = r, pool = api, {routeBody} }} ]")));

    [Fact]
    public void AMistakeInTheDefaults_IsReportedOnceAtTheDefaultsPath_AndARouteThatCannotUseAnInheritedStripAtTheRoute()
    {
        var problems = Problems(Config(
            routes: """[ { name = a, pool = api }, { name = b, pool = api, match { path = "/api" } } ]""",
            extra: """defaults { request-id { header = "Keep-Alive" }, transforms { strip-prefix = "/api" }, mirror = on }"""));
        Assert.Equal(
            [
                "proxy.defaults.mirror: unknown key 'mirror'",
                "proxy.defaults.request-id.header: 'Keep-Alive' is a field the proxy manages; choose another name",
                "proxy.routes[0]: strip-prefix '/api' (from proxy.defaults.transforms) needs the route to match it: give the route match { path-prefix = \"/api/\" } (or a path or path-prefix under it)",
            ],
            problems.Order());
    }

    [Fact]
    public void AKeysFile_ThatCannotBeRead_OrHoldsAKeyInClear_IsReportedWithItsName()
    {
        var dir = Directory.CreateTempSubdirectory("proxy-keys-").FullName;
        try
        {
            var clear = Path.Combine(dir, "keys.txt");
            File.WriteAllText(clear, "# ours\nthe-actual-key\n");
            var missing = Path.Combine(dir, "none.txt");
            var problems = Problems(Config(routes: $$"""
                [ { name = a, pool = api, auth { api-keys { keys-file = "{{clear}}" } } }
                  { name = b, pool = api, auth { basic { users-file = "{{missing}}" } } } ]
                """));
            HasProblem($"proxy.routes[0].auth.api-keys.keys-file: {clear}: line 2: expected sha256: and 64 hex digits (the SHA-256 of a key, not the key)", problems);
            // A device or a huge file is refused by its size, not read without end.
            HasProblem("proxy.routes[0].auth.api-keys.keys-file: /dev/zero: larger than 4 MiB: not a keys or users file",
                Problems(Config(routes: """[ { name = a, pool = api, auth { api-keys { keys-file = "/dev/zero" } } } ]""")));
            Assert.Contains(problems, p => p.StartsWith($"proxy.routes[1].auth.basic.users-file: {missing}: ", StringComparison.Ordinal));
            Assert.DoesNotContain(problems, p => p.Contains("the-actual-key", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{ name = r, pool = api, split = [ { pool = api, weight = 1 } ] }""", "proxy.routes[0]: give either pool or split, not both")]
    [InlineData("""{ name = r, split = [ { pool = nope, weight = 1 } ] }""", "proxy.routes[0].split[0].pool: no pool named 'nope'")]
    [InlineData("""{ name = r, split = [ { pool = api, weight = 1 }, { pool = api, weight = 2 } ] }""", "proxy.routes[0].split[1].pool: pool 'api' is in the split twice")]
    [InlineData("""{ name = r, split = [ { pool = api } ] }""", "proxy.routes[0].split[0].weight: missing weight (a whole number, 0 or more)")]
    [InlineData("""{ name = r, split = [ { pool = api, weight = 0 } ] }""", "proxy.routes[0].split: the weights add up to 0: give at least one side a weight")]
    [InlineData("""{ name = r, split = [ { pool = api, weight = 1, share = 2 } ] }""", "proxy.routes[0].split[0].share: unknown key 'share'")]
    [InlineData("""{ name = r, pool = api, split-key = client-ip }""", "proxy.routes[0].split-key: split-key is used only with split = [ … ]")]
    [InlineData("""{ name = r, split = [ { pool = api, weight = 1 } ], split-key = "param:x" }""", "proxy.routes[0].split-key: expected client-ip, \"header:NAME\", \"cookie:NAME\" or { header = NAME } with a token NAME, got 'param:x'")]
    [InlineData("""{ name = r }""", "proxy.routes[0].pool: missing pool (or a split = [ { pool, weight } ])")]
    public void ASplitMistake_IsReportedAtItsPath(string route, string expected) =>
        HasProblem(expected, Problems(Config(routes: $"[ {route} ]")));

    [Fact]
    public void ASplit_Binds_WithItsKey()
    {
        var route = LoadValid(Config(
            pools: """api { backends = [ "127.0.0.1:9001" ] }, canary { backends = [ "127.0.0.1:9002" ] }""",
            routes: """[ { name = r, split = [ { pool = api, weight = 90 }, { pool = canary, weight = 10 } ], split-key = "cookie:sid" } ]""")).Routes[0];
        Assert.Equal("", route.Pool);
        Assert.Equal([new SplitTarget("api", 90), new SplitTarget("canary", 10)], route.Split);
        Assert.Equal(new HashKeySettings { Source = HashKeySource.Cookie, Name = "sid" }, route.SplitKey);
    }

    [Fact]
    public void Plugins_Bind_WithTheirSettingsAsText_AndRoutesNameThem()
    {
        var settings = LoadValid(Config(
            routes: """[ { name = a, pool = api, filters = [ stamp ] }, { name = b, pool = api } ]""",
            extra: """
                plugins = [ { name = stamp, assembly = "plugins/HeaderStamp.dll", settings { value = v1, limits { max = 3 } } } ]
                defaults { filters = [ stamp ] }
                """));
        var plugin = Assert.Single(settings.Plugins);
        Assert.Equal("plugins/HeaderStamp.dll", plugin.Assembly);
        Assert.Equal(new Dictionary<string, string> { ["value"] = "v1", ["limits.max"] = "3" }, plugin.Settings);
        Assert.Equal(["stamp"], settings.Routes[0].Middleware.Filters);
        Assert.Equal(["stamp"], settings.Routes[1].Middleware.Filters); // inherited
    }

    [Fact]
    public void PluginMistakes_AreReportedAtTheirPaths() =>
        Assert.Equal(
            [
                "proxy.defaults.filters[0]: no plugin named 'nope' (proxy.plugins lists a)",
                "proxy.plugins[1].assembly: missing: the plugin's .dll",
                "proxy.plugins[1].name: duplicate plugin name 'a'",
                "proxy.plugins[2].name: missing name (routes list it in filters)",
                "proxy.routes[0].filters[1]: no plugin named 'b' (proxy.plugins lists a)",
            ],
            Problems(Config(
                routes: """[ { name = r, pool = api, filters = [ a, b ] } ]""",
                extra: """
                    plugins = [ { name = a, assembly = "a.dll" }, { name = a }, { assembly = "c.dll" } ]
                    defaults { filters = [ nope ] }
                    """)).Order());
}
