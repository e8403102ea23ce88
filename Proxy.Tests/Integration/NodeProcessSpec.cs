using System.Net;
using System.Text.Json;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>The node as an OS process: config errors (exit 2), admin endpoint, access log, graceful shutdown (D6).</summary>
public sealed class NodeProcessSpec
{
    [Fact]
    public async Task InvalidConfig_RefusesToStartWithExitCode2AndListsEveryProblem()
    {
        await using var node = NodeProcess.Start("""
            proxy {
              listeners = [ { name = public, address = "127.0.0.1:notaport", mode = sideways } ]
              pools { api { policy = fastest, backends = [] } }
              routes = [ { name = r, pool = ap } ]
            }
            """);
        var exit = await node.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exit);
        Assert.Contains("proxy.listeners[0].address", node.Stderr);
        Assert.Contains("proxy.listeners[0].mode", node.Stderr);
        Assert.Contains("proxy.pools.api.policy", node.Stderr);
        Assert.Contains("proxy.pools.api.backends", node.Stderr);
        Assert.Contains("proxy.routes[0].pool: no pool named 'ap'", node.Stderr);
    }

    [Fact]
    public async Task AClusterFormationMistakeInTheEnvironment_RefusesToStartWithExitCode2NamingTheVariable()
    {
        await using var node = NodeProcess.Start("""
            proxy {
              listeners = [ { name = public, address = "127.0.0.1:0" } ]
              pools { api { backends = [ { address = "127.0.0.1:9" } ] } }
              routes = [ { name = r, pool = api } ]
            }
            """, new Dictionary<string, string> { ["PROXY_DISCOVERY"] = "config", ["PROXY_SEEDS"] = "127.0.0.1:4053" });
        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("PROXY_CONTACT_POINTS: required with PROXY_DISCOVERY=config", node.Stderr);
        Assert.Contains("PROXY_SEEDS: not used with PROXY_DISCOVERY/PROXY_CONTACT_POINTS", node.Stderr);
    }

    [Fact]
    public async Task ACertificateFileWhoseChainDoesNotLink_IsAConfigMistake_ExitCode2NamingThePathAndFile()
    {
        var dir = Directory.CreateTempSubdirectory("proxy-chain-").FullName;
        try
        {
            var (pem, _, _) = TestCertificates.WriteChain(dir, "reversed", (intermediate, root) => [root, intermediate], "x.test");
            await using var node = NodeProcess.Start($$"""
                proxy {
                  listeners = [ { name = public, address = "127.0.0.1:0", tls { certificates = [ { cert = "{{pem.CertPath}}", key = "{{pem.KeyPath}}" } ] } } ]
                  admin { address = "127.0.0.1:0" }
                  pools { api { backends = [ { address = "127.0.0.1:9" } ] } }
                  routes = [ { name = r, pool = api } ]
                }
                """);
            Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("proxy.listeners[0].tls.certificates: listener public: TLS certificate could not be loaded: " + pem.CertPath, node.Stderr);
            Assert.Contains("is not the issuer of the one before it", node.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Found by fuzzing (issue 21, point 3): Akka's HOCON parser never returns on some malformed text; the
    /// node stops with exit 2 and names the line and character instead of hanging at start.</summary>
    [Fact]
    public async Task AConfigTheHoconParserCannotFinish_RefusesToStartWithExitCode2()
    {
        await using var node = NodeProcess.Start("""
            proxy {
              listeners = [ { name = p, address = "127.0.0.1:8080" }&]
              pools { a { backends = [ "127.0.0.1:9001" ] } }
              routes = [ { name = r, pool = a } ]
            }
            """);
        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("line 2: '&' is allowed only inside quotes: quote the value", node.Stderr);
    }

    [Fact]
    public async Task MissingConfigFile_ExitsWith2()
    {
        await using var node = NodeProcess.StartWithArgs(["--config", "/nonexistent/cluster.hocon"]);
        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Node_ServesHealthReadyAndWritesOneJsonAccessLogLinePerRequest()
    {
        await using var backend = new RawBackend();
        var port = PortFinder.Free();
        var admin = PortFinder.Free();
        await using var node = NodeProcess.Start(Config(port, admin, backend.Port, "access-log { enabled = on }"));
        await node.WaitReadyAsync(admin, TimeSpan.FromSeconds(30));
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{admin}/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{admin}/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/logged?q=1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{admin}/nope")).StatusCode);

        JsonElement entry = default;
        for (var i = 0; i < 50 && entry.ValueKind == JsonValueKind.Undefined; i++)
        {
            var line = node.Stdout.Split('\n').FirstOrDefault(l => l.Contains("/logged"));
            if (line is not null) entry = JsonDocument.Parse(line).RootElement;
            else await Task.Delay(100);
        }
        Assert.Equal("GET", entry.GetProperty("method").GetString());
        Assert.Equal("/logged", entry.GetProperty("path").GetString());
        Assert.Equal("127.0.0.1", entry.GetProperty("client").GetString());
        Assert.Equal("default", entry.GetProperty("route").GetString());
        Assert.Equal($"127.0.0.1:{backend.Port}", entry.GetProperty("upstream").GetString());
        Assert.Equal(200, entry.GetProperty("status").GetInt32());
        Assert.True(entry.TryGetProperty("bytesIn", out _));
        Assert.True(entry.TryGetProperty("bytesOut", out _));
        Assert.True(entry.TryGetProperty("durationMs", out _));
        Assert.True(entry.TryGetProperty("time", out _));
        Assert.True(entry.TryGetProperty("host", out _));
    }

    [Fact]
    public async Task Sigterm_FinishesTheInFlightRequestStopsAcceptingAndExitsZero()
    {
        await using var backend = new RawBackend(_ =>
        {
            Thread.Sleep(4000);
            return RawBackend.Ok("finished");
        });
        var port = PortFinder.Free();
        var admin = PortFinder.Free();
        await using var node = NodeProcess.Start(Config(port, admin, backend.Port, "shutdown { drain-delay = 0s, timeout = 10s }"));
        await node.WaitReadyAsync(admin, TimeSpan.FromSeconds(30));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };

        var inFlight = http.GetStringAsync($"http://127.0.0.1:{port}/slow");
        await Task.Delay(500);
        node.SendSigterm();

        // New connections are refused while the in-flight request is still running (on a busy machine the
        // signal may take a moment to be handled, hence a poll rather than a fixed wait).
        var refused = false;
        while (!refused && !inFlight.IsCompleted)
        {
            try
            {
                using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await probe.ConnectAsync(IPAddress.Loopback, port);
                await Task.Delay(50);
            }
            catch (System.Net.Sockets.SocketException)
            {
                refused = true;
            }
        }
        Assert.True(refused, "the node kept accepting until the in-flight request finished");
        Assert.Equal("finished", await inFlight);
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("All connections drained", node.Stderr);
    }

    [Fact]
    public async Task Sigterm_TurnsReadyTo503AtOnce_KeepsServingWithConnectionCloseForTheDrainDelay_AndLosesNoRequest()
    {
        await using var backend = new RawBackend(_ => RawBackend.Ok("ok"));
        var port = PortFinder.Free();
        var admin = PortFinder.Free();
        await using var node = NodeProcess.Start(Config(port, admin, backend.Port, "shutdown { drain-delay = 3s, timeout = 5s }"));
        await node.WaitReadyAsync(admin, TimeSpan.FromSeconds(30));
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };

        // A client that honours Connection: close, as a load balancer's pool does; it moves away once /ready
        // says 503 (here: 1 s after the signal, well inside the drain delay).
        var failures = 0;
        var afterSignal = new List<(long At, bool Close)>(); // each response after SIGTERM: when, and Connection: close
        long signalledAt = long.MaxValue / 2; // Environment.TickCount64 when SIGTERM was sent (far future until then)
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var traffic = Task.Run(async () =>
        {
            var until = Environment.TickCount64 + 20_000;
            while (Environment.TickCount64 < until && Environment.TickCount64 < Interlocked.Read(ref signalledAt) + 1000)
            {
                try
                {
                    using var response = await client.GetAsync($"http://127.0.0.1:{port}/x");
                    if (response.StatusCode != HttpStatusCode.OK) failures++;
                    if (Environment.TickCount64 > Interlocked.Read(ref signalledAt))
                        lock (afterSignal) afterSignal.Add((Environment.TickCount64, response.Headers.ConnectionClose == true));
                }
                catch (HttpRequestException)
                {
                    failures++;
                }
                await Task.Delay(20);
            }
        });
        await Task.Delay(500);
        Interlocked.Exchange(ref signalledAt, Environment.TickCount64);
        node.SendSigterm();
        await Eventually.Holds(async () =>
        {
            try
            {
                return (await probe.GetAsync($"http://127.0.0.1:{admin}/ready")).StatusCode == HttpStatusCode.ServiceUnavailable;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(1), "/ready turns 503 as soon as SIGTERM is handled");
        var drainingSince = Environment.TickCount64 + 100; // a response received later was produced while draining
        await traffic;

        Assert.Equal(0, failures);
        var whileDraining = afterSignal.Where(r => r.At > drainingSince).ToList();
        Assert.NotEmpty(whileDraining);
        Assert.All(whileDraining, r => Assert.True(r.Close, "a response while draining lacks Connection: close"));
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    private static string Config(int port, int admin, int backend, string extra) => $$"""
        proxy {
          listeners = [ { name = public, address = "127.0.0.1:{{port}}", mode = reverse } ]
          admin { address = "127.0.0.1:{{admin}}" }
          access-log { enabled = off }
          pools { main { backends = [ "127.0.0.1:{{backend}}" ] } }
          routes = [ { name = default, pool = main } ]
          {{extra}}
        }
        """;
}
