using System.Diagnostics;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Middleware;

/// <summary>Plugins: examples/plugins/HeaderStamp is built from source and loaded by a real node; a plugin that throws
/// costs its request a 500 (counted), not the node; a plugin that cannot be loaded stops the start with its path.</summary>
public sealed class PluginSpec : IClassFixture<PluginSpec.BuiltPlugins>
{
    private readonly BuiltPlugins _plugins;

    public PluginSpec(BuiltPlugins plugins) => _plugins = plugins;

    /// <summary>Builds the example plugin and a throwing one once for the class (against the Proxy.Shared already built).</summary>
    public sealed class BuiltPlugins : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("proxy-plugins-").FullName;

        public BuiltPlugins()
        {
            HeaderStamp = Build(Path.Combine(Repository.Root, "examples", "plugins", "HeaderStamp"), "stamp");
            var broken = Path.Combine(_dir, "Broken");
            Directory.CreateDirectory(broken);
            // Outside the repository: no Directory.Build.props, so the project says what the repository's would.
            File.WriteAllText(Path.Combine(broken, "Broken.csproj"), $$"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                    <EnableDynamicLoading>true</EnableDynamicLoading>
                  </PropertyGroup>
                  <ItemGroup>
                    <ProjectReference Include="{{Path.Combine(Repository.Root, "Proxy.Shared", "Proxy.Shared.csproj")}}" Private="false" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(broken, "BrokenPlugin.cs"), """
                using Proxy.Shared.Http;
                using Proxy.Shared.Pipeline;
                namespace Broken;
                public sealed class BrokenPlugin : IProxyPlugin
                {
                    public IExchangeFilter CreateFilter(PluginContext context) => new Thrower();
                }
                public sealed class Thrower : IResponseHeadFilter
                {
                    public void OnResponseHead(IExchange exchange, HttpResponseHead head)
                    {
                        if (exchange.Request?.Path == "/boom") throw new InvalidOperationException("plugin bug");
                    }
                }
                """);
            Broken = Build(broken, "broken");
        }

        public string HeaderStamp { get; }
        public string Broken { get; }

        private string Build(string project, string name)
        {
            var output = Path.Combine(_dir, name + "-out");
#if DEBUG
            const string configuration = "Debug";
#else
            const string configuration = "Release";
#endif
            // --no-dependencies: Proxy.Shared is the one the tests were built with, not rebuilt under their feet.
            var build = Process.Start(new ProcessStartInfo("dotnet", ["build", project, "-c", configuration, "--no-dependencies", "-o", output, "-nologo", "-v", "q"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            })!;
            var stdout = build.StandardOutput.ReadToEndAsync();
            var stderr = build.StandardError.ReadToEndAsync();
            if (!build.WaitForExit(TimeSpan.FromMinutes(3))) build.Kill(entireProcessTree: true);
            if (build.ExitCode != 0) throw new InvalidOperationException($"building {project} failed:\n{stdout.Result}\n{stderr.Result}");
            return Path.Combine(output, Path.GetFileName(project.TrimEnd('/')) + ".dll");
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task TheExamplePlugin_IsLoaded_AndRunsInEveryPhaseItImplements()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            plugins = [ { name = stamp, assembly = "{{_plugins.HeaderStamp}}", settings { value = "edge-1", refuse-header = X-Forbidden } } ]
            routes = [ { name = stamped, pool = main, match { path-prefix = "/s" }, filters = [ stamp ] }, { name = plain, pool = main } ]
            """);
        using var client = new RawClient(node.Public());
        client.Send("GET /s/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /other HTTP/1.1\r\nHost: x\r\n\r\nGET /s/2 HTTP/1.1\r\nHost: x\r\nX-Forbidden: 1\r\n\r\n");
        var responses = (await client.ReadResponsesAsync(3, TimeSpan.FromSeconds(5))).Split("HTTP/1.1 ", StringSplitOptions.RemoveEmptyEntries);

        Assert.StartsWith("200", responses[0]);
        Assert.Contains("\r\nX-Stamp: edge-1\r\n", responses[0]);
        Assert.DoesNotContain("X-Stamp", responses[1]); // a route without the filter
        Assert.StartsWith("403", responses[2]);
        Assert.Contains("requests with X-Forbidden are refused here", responses[2]);
        Assert.Equal(["edge-1", null], backend.Requests.Select(r => r.Header("X-Stamp")));
    }

    [Fact]
    public async Task APluginThatThrows_CostsThatRequestA500_AndIsCounted_WhileTheNodeServes()
    {
        await using var backend = new RawBackend();
        await using var node = await TestNode.StartAsync($$"""
            pools { main { backends = [ "127.0.0.1:{{backend.Port}}" ] } }
            plugins = [ { name = broken, assembly = "{{_plugins.Broken}}" } ]
            defaults { filters = [ broken ] }
            routes = [ { name = r, pool = main } ]
            """);
        using var client = new RawClient(node.Public());
        client.Send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
        var failed = await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(5));
        Assert.StartsWith("HTTP/1.1 500", failed);
        Assert.Contains("response filter failed", failed);

        using var next = new RawClient(node.Public());
        next.Send("GET /fine HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await next.ReadResponsesAsync(1, TimeSpan.FromSeconds(5)));

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{node.Admin.Port}/metrics");
        Assert.True(metrics.Contains("proxy_filter_failures_total{filter=\"Thrower\",phase=\"response_head\"} 1"), metrics);
    }

    [Theory]
    [InlineData("missing.dll", "proxy.plugins[0].assembly: missing.dll: no such file")]
    [InlineData("NOT_A_DLL", "proxy.plugins[0].assembly: ")]
    public async Task APluginThatCannotBeLoaded_StopsTheStart_WithItsPath(string assembly, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("proxy-plugin-bad-").FullName;
        try
        {
            if (assembly == "NOT_A_DLL")
            {
                assembly = Path.Combine(dir, "text.dll");
                File.WriteAllText(assembly, "not an assembly");
            }
            await using var node = NodeProcess.Start($$"""
                proxy {
                  listeners = [ { name = public, address = "127.0.0.1:0" } ]
                  admin { address = "127.0.0.1:0" }
                  pools { main { backends = [ "127.0.0.1:9" ] } }
                  plugins = [ { name = p, assembly = "{{assembly}}" } ]
                  routes = [ { name = r, pool = main, filters = [ p ] } ]
                }
                """, workingDirectory: dir);
            Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(expected, node.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void APluginRefusingItsSettings_IsAConfigMistake()
    {
        var stderr = new StringWriter();
        var config = Path.GetTempFileName();
        try
        {
            File.WriteAllText(config, $$"""
                proxy {
                  listeners = [ { name = public, address = "127.0.0.1:0" } ]
                  admin { address = "127.0.0.1:0" }
                  pools { main { backends = [ "127.0.0.1:9" ] } }
                  plugins = [ { name = stamp, assembly = "{{_plugins.HeaderStamp}}", settings { header = X-Stamp } } ]
                  routes = [ { name = r, pool = main, filters = [ stamp ] } ]
                }
                """);
            Assert.Equal(2, Proxy.Node.Hosting.NodeCheck.Run(config, new Dictionary<string, string?>(), new StringWriter(), stderr));
            Assert.Contains("proxy.plugins[0].settings: plugin 'stamp' refused its settings: settings.value is required (the text to stamp)", stderr.ToString());
        }
        finally
        {
            File.Delete(config);
        }
    }
}
