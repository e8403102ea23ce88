using System.Net;
using Proxy.Actors.Tls;
using Proxy.Shared.Configuration;

namespace Proxy.Actors.Pools;

/// <summary>
/// Active health probes (P2): <c>GET path</c> on a backend, passed when it answers 2xx or 3xx within the
/// timeout. One SocketsHttpHandler for the node (connections to backends are kept alive between probes);
/// no proxy, no redirects followed, no cookies.
/// </summary>
public static class HealthProber
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <param name="tls">The pool's verification rules for an https:// backend (its probes use them too).</param>
    public static async Task<bool> ProbeAsync(BackendSettings backend, HealthCheckSettings health, UpstreamTls? tls = null)
    {
        var host = backend.Host.Contains(':') ? "[" + backend.Host + "]" : backend.Host;
        using var cts = new CancellationTokenSource(health.Timeout);
        try
        {
            var scheme = backend.Tls ? "https" : "http";
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{scheme}://{host}:{backend.Port}{health.Path}");
            request.Headers.UserAgent.ParseAdd("akka-proxy-health/1");
            var client = backend.Tls && tls is not null ? tls.ProbeClient : Client;
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token)
                .ConfigureAwait(false);
            return (int)response.StatusCode is >= 200 and < 400 && response.StatusCode != HttpStatusCode.SwitchingProtocols;
        }
        catch (Exception)
        {
            // Refused, reset, timed out or malformed: a failed probe either way.
            return false;
        }
    }
}
