using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Observability;

/// <summary>
/// Issue 13 (O3): the admin listener's <c>/metrics</c> after a known set of requests: exact counts in the server and
/// client histograms by route, status and error type, retries, bytes by route, connections, the node's view of its
/// backends and of the cluster — and an exposition that <c>promtool check metrics</c> accepts.
/// </summary>
public sealed class MetricsSpec
{
    [Fact]
    public async Task KnownRequests_AreCountedExactly_ByRouteStatusAndErrorType()
    {
        await using var backend = new RawBackend(r => r.RequestLine.StartsWith("GET /api/missing ")
            ? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"u8.ToArray()
            : RawBackend.Ok("hello"));
        var dead = ClosedPort();
        await using var node = await TestNode.StartAsync($$"""
            pools {
              main { backends = [ "127.0.0.1:{{backend.Port}}" ] }
              dead { backends = [ "127.0.0.1:{{dead}}" ], retries { attempts = 1, backoff = 10ms, budget = 100% }, timeouts { connect = 1s } }
            }
            routes = [
              { name = api, pool = main, match { path-prefix = "/api" } }
              { name = gone, pool = dead, match { path-prefix = "/gone" } }
              { name = site, pool = main }
            ]
            """);

        using (var client = new RawClient(node.Public()))
        {
            // One keep-alive connection: 3 GET /api, 1 GET /api/missing (404), 2 GET / (site), 1 POST /api with a body.
            client.Send("GET /api/a HTTP/1.1\r\nHost: x\r\n\r\nGET /api/b HTTP/1.1\r\nHost: x\r\n\r\nGET /api/c HTTP/1.1\r\nHost: x\r\n\r\n" +
                        "GET /api/missing HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nGET /p HTTP/1.1\r\nHost: x\r\n\r\n" +
                        "POST /api/form HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd");
            var responses = await client.ReadResponsesAsync(7, TimeSpan.FromSeconds(10));
            Assert.Equal(7, Regex.Count(responses, @"HTTP/1\.1 \d{3} "));
        }
        using (var client = new RawClient(node.Public()))
        {
            client.Send("GET /gone HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 502", await client.ReadResponsesAsync(1, TimeSpan.FromSeconds(10)));
        }

        // The observers are told as the last response leaves; a scrape may come just before.
        var text = "";
        await Eventually.Holds(async () =>
        {
            text = await Scrape(node.Admin.Port);
            return Value(text, "http_server_request_duration_seconds_count", ServerLabels("GET", "502", "gone", "upstream_connect_failed")) == 1;
        }, TimeSpan.FromSeconds(5), "the 502 counted");

        Assert.Equal(3, Value(text, "http_server_request_duration_seconds_count", ServerLabels("GET", "200", "api", "")));
        Assert.Equal(1, Value(text, "http_server_request_duration_seconds_count", ServerLabels("GET", "404", "api", "")));
        Assert.Equal(2, Value(text, "http_server_request_duration_seconds_count", ServerLabels("GET", "200", "site", "")));
        Assert.Equal(1, Value(text, "http_server_request_duration_seconds_count", ServerLabels("POST", "200", "api", "")));
        Assert.True(Value(text, "http_server_request_duration_seconds_sum", ServerLabels("GET", "200", "api", "")) > 0);
        // Every request fell in the 10 s bucket, and none took longer.
        Assert.Equal(3, Value(text, "http_server_request_duration_seconds_bucket", ServerLabels("GET", "200", "api", "") + ",le=\"10\""));
        Assert.Equal(0, Value(text, "http_server_active_requests", "listener=\"public\""));

        var main = $"127.0.0.1:{backend.Port}";
        Assert.Equal(6, Value(text, "http_client_request_duration_seconds_count", ClientLabels("main", main, "200", "")));
        Assert.Equal(1, Value(text, "http_client_request_duration_seconds_count", ClientLabels("main", main, "404", "")));
        // The dead backend: the first attempt and its one retry both failed to connect.
        Assert.Equal(2, Value(text, "http_client_request_duration_seconds_count", ClientLabels("dead", $"127.0.0.1:{dead}", "", "upstream_connect_failed")));
        Assert.Equal(1, Value(text, "proxy_upstream_retries_total", "pool=\"dead\",reason=\"upstream_connect_failed\""));

        Assert.Equal(4, Value(text, "proxy_request_body_bytes_total", "http_route=\"api\""));
        Assert.Equal(3 * 5 + 5, Value(text, "proxy_response_body_bytes_total", "http_route=\"api\"")); // 4 × "hello", the 404 empty
        Assert.Equal(2, Value(text, "proxy_connections_total", "listener=\"public\",outcome=\"accepted\""));
        Assert.Equal(1, Value(text, "proxy_upstream_connections", $"pool=\"main\",backend=\"{main}\",state=\"idle\""));
        Assert.Equal(1, Value(text, "proxy_cluster_members", "status=\"up\""));
    }

    [Fact]
    public async Task BackendStateAndBreakers_AreThisNodesViewOfTheCluster()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        using (var client = new RawClient(node.Public()))
        {
            client.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            await client.ReadResponsesAsync(1, TimeSpan.FromSeconds(5));
        }
        var address = $"127.0.0.1:{backend.Port}";
        var text = "";
        await Eventually.Holds(async () =>
        {
            text = await Scrape(node.Admin.Port);
            return Value(text, "proxy_backend_healthy", $"pool=\"main\",backend=\"{address}\"") == 1;
        }, TimeSpan.FromSeconds(10), "the backend's cluster state reported");
        Assert.Equal(0, Value(text, "proxy_backend_drained", $"pool=\"main\",backend=\"{address}\""));
        Assert.Equal(1, Value(text, "proxy_backend_breaker_state", $"pool=\"main\",backend=\"{address}\",state=\"closed\""));
        Assert.Equal(0, Value(text, "proxy_backend_breaker_state", $"pool=\"main\",backend=\"{address}\",state=\"open\""));
    }

    [Fact]
    public async Task TheExposition_PassesPromtoolCheckMetrics()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port));
        using (var client = new RawClient(node.Public()))
        {
            client.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.0\r\nHost: x\r\n\r\n");
            await client.ReadResponsesAsync(2, TimeSpan.FromSeconds(5));
        }
        var text = await Scrape(node.Admin.Port);
        Assert.Contains("http_server_request_duration_seconds_bucket", text);

        await Promtool("check metrics", stdin: text);
    }

    [Fact]
    public async Task MetricsOff_LeavesNoRequestSeries_AndTheNodeServes()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port) + "\nmetrics { enabled = off }");
        using (var client = new RawClient(node.Public()))
        {
            client.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200", await client.ReadResponsesAsync(1, TimeSpan.FromSeconds(5)));
        }
        var text = await Scrape(node.Admin.Port);
        Assert.DoesNotContain("http_server_request_duration_seconds", text);
        Assert.Contains("proxy_connections_total", text);
    }

    [Fact]
    public async Task TheShippedDashboardAndScrapeConfig_NameOnlyWhatTheNodeExports()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(backend.Port) + """

            rate-limits = [ { name = per-ip, key = client-ip, rate = "100/s", burst = 200, store = cluster } ]
            """);
        using (var client = new RawClient(node.Public()))
        {
            client.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            await client.ReadResponsesAsync(1, TimeSpan.FromSeconds(5));
        }
        var families = new HashSet<string>();
        await Eventually.Holds(async () =>
        {
            families = Regex.Matches(await Scrape(node.Admin.Port), "^# TYPE ([a-z_]+) ", RegexOptions.Multiline)
                .Select(m => m.Groups[1].Value).ToHashSet();
            return families.Contains("proxy_rate_limit_decisions_total") && families.Contains("proxy_backend_healthy");
        }, TimeSpan.FromSeconds(10), "the limit decision and the backend state exported");

        using var dashboard = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "examples", "grafana", "proxy-dashboard.json")));
        var queried = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .SelectMany(t => Regex.Matches(t.GetProperty("expr").GetString()!, @"\b((?:http|proxy)_[a-z_]+)\{").Select(m => m.Groups[1].Value))
            .Select(name => Regex.Replace(name, "_(bucket|count|sum)$", ""))
            .ToHashSet();
        Assert.Contains("http_server_request_duration_seconds", queried);
        Assert.Empty(queried.Except(families));

        await Promtool($"check config \"{Path.Combine(Repository.Root, "examples", "prometheus.yml")}\"");
    }

    private static string ServerLabels(string method, string status, string route, string errorType) =>
        $"http_request_method=\"{method}\",http_response_status_code=\"{status}\",http_route=\"{route}\",listener=\"public\",error_type=\"{errorType}\"";

    private static string ClientLabels(string pool, string server, string status, string errorType) =>
        $"pool=\"{pool}\",server_address=\"{server}\",http_response_status_code=\"{status}\",error_type=\"{errorType}\"";

    /// <summary>The sample <paramref name="name"/>{<paramref name="labels"/>} (labels in the order the node writes them);
    /// -1 when the exposition has no such series.</summary>
    private static double Value(string exposition, string name, string labels)
    {
        var prefix = name + "{" + labels + "} ";
        foreach (var line in exposition.Split('\n'))
            if (line.StartsWith(prefix, StringComparison.Ordinal))
                return double.Parse(line[prefix.Length..].Trim(), CultureInfo.InvariantCulture);
        return -1;
    }

    private static async Task<string> Scrape(int adminPort)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync($"http://127.0.0.1:{adminPort}/metrics");
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Runs <c>promtool ARGUMENTS</c> (with <paramref name="stdin"/> as its input) and asserts it passed.</summary>
    private static async Task Promtool(string arguments, string? stdin = null)
    {
        var promtool = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("promtool is not installed: scripts/test.sh installs it (apt-get install prometheus)");
        using var check = Process.Start(new ProcessStartInfo(promtool, arguments)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        if (stdin is not null) await check.StandardInput.WriteAsync(stdin);
        check.StandardInput.Close();
        var output = await check.StandardOutput.ReadToEndAsync() + await check.StandardError.ReadToEndAsync();
        await check.WaitForExitAsync();
        Assert.True(check.ExitCode == 0, $"promtool {arguments}:\n{output}");
    }
}
