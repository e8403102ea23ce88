using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>Issue 21, point 6: logrotate without copytruncate — the access log file is renamed, the node is told
/// (SIGUSR1, as nginx, or the admin API) and writes its next lines to a new file under the configured name.</summary>
public sealed class AccessLogRotationSpec
{
    private const string Token = "rotate-token";

    private static NodeProcess StartNode(int port, int admin, int backend, string extra) => NodeProcess.Start($$"""
        proxy {
          listeners = [ { name = public, address = "127.0.0.1:{{port}}" } ]
          admin { address = "127.0.0.1:{{admin}}", token = "{{Token}}" }
          {{extra}}
          pools { main { backends = [ "127.0.0.1:{{backend}}" ] } }
          routes = [ { name = default, pool = main } ]
        }
        """);

    /// <summary><c>POST /api/access-log/reopen</c> on the admin listener, with the token.</summary>
    private static async Task<HttpResponseMessage> Reopen(HttpClient http, int admin)
    {
        using var reopen = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{admin}/api/access-log/reopen");
        reopen.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await http.SendAsync(reopen);
    }

    [Fact]
    public async Task ARenamedAccessLog_IsReopened_OnSigusr1_AndOnTheAdminRequest()
    {
        var dir = Directory.CreateTempSubdirectory("proxy-access-").FullName;
        try
        {
            var log = Path.Combine(dir, "access.log");
            await using var backend = new RawBackend();
            var (port, admin) = (PortFinder.Free(), PortFinder.Free());
            await using var node = StartNode(port, admin, backend.Port, $$"""access-log { enabled = on, target = "{{log}}" }""");
            await node.WaitReadyAsync(admin, TimeSpan.FromSeconds(60));
            using var http = new HttpClient();

            async Task RequestAndSee(string path, string file)
            {
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}{path}")).StatusCode);
                await Eventually.Holds(() => File.Exists(file) && File.ReadAllText(file).Contains($"\"path\":\"{path}\""),
                    TimeSpan.FromSeconds(5), $"{path} is logged in {file}");
            }

            await RequestAndSee("/one", log);
            File.Move(log, log + ".1");
            Process.Start("kill", ["-USR1", node.Pid.ToString()])!.WaitForExit();
            // The node handles the signal on its own time: a request logged before that still goes to the renamed
            // file. Each line goes to exactly one of the two, and once one reached the new file, all later ones do.
            bool LoggedIn(string file, string requested) =>
                File.Exists(file) && File.ReadAllText(file).Contains($"\"path\":\"{requested}\"");
            var attempt = 0;
            string path;
            do
            {
                Assert.True(attempt < 100, "no request reached a new access.log after SIGUSR1");
                path = $"/two-{attempt++}";
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}{path}")).StatusCode);
                var sentPath = path;
                await Eventually.Holds(() => LoggedIn(log, sentPath) || LoggedIn(log + ".1", sentPath), TimeSpan.FromSeconds(5),
                    $"{path} is logged");
                Assert.False(LoggedIn(log, path) && LoggedIn(log + ".1", path), $"{path} is logged in both files");
            }
            while (!LoggedIn(log, path));
            Assert.DoesNotContain("/one", File.ReadAllText(log));

            File.Move(log, log + ".2");
            var answer = await Reopen(http, admin);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Contains("access.log", await answer.Content.ReadAsStringAsync());
            await RequestAndSee("/three", log);
            Assert.DoesNotContain("/three", File.ReadAllText(log + ".2"));
            Assert.False(node.HasExited);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Reopening_AnAccessLogOnStdout_IsRefusedWith409()
    {
        await using var backend = new RawBackend();
        var (port, admin) = (PortFinder.Free(), PortFinder.Free());
        await using var node = StartNode(port, admin, backend.Port, "");
        await node.WaitReadyAsync(admin, TimeSpan.FromSeconds(60));
        using var http = new HttpClient();
        var answer = await Reopen(http, admin);
        Assert.Equal(HttpStatusCode.Conflict, answer.StatusCode);
        Assert.Contains("nothing to reopen", await answer.Content.ReadAsStringAsync());
    }
}
