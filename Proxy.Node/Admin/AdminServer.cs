using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Proxy.Actors.Admin;
using Proxy.Shared.Configuration;
using Prometheus;
using Proxy.Shared.Admin;

namespace Proxy.Node.Admin;

/// <summary>
/// The admin listener (O1, O2) on its own port, served by Kestrel: <c>/health</c> and <c>/ready</c> for probes
/// and <c>/metrics</c> for Prometheus (no token), and the JSON admin API under <c>/api</c> (Bearer token, <see cref="AdminTokenFilter"/>) that
/// <c>pbm</c> talks to. Control-plane traffic only, kept apart from the data plane's listeners.
/// </summary>
public sealed class AdminServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private AdminServer(WebApplication app, IPEndPoint endPoint)
    {
        _app = app;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public static async Task<AdminServer> StartAsync(IPEndPoint endpoint, string? token, NodeReadiness readiness, AdminApi api,
        Prometheus.CollectorRegistry metrics, LogFormat logFormat, LogLevel logLevel, CancellationToken cancellationToken)
    {
        // The empty builder reads no environment (ASPNETCORE_URLS and friends cannot move the admin port).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o =>
        {
            o.Listen(endpoint);
            o.AddServerHeader = false;
            o.Limits.MaxConcurrentConnections = 64;
            o.Limits.MaxRequestBodySize = 64 * 1024;
            o.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
        });
        builder.Services.AddRoutingCore();
        Hosting.NodeLogging.Add(builder.Logging, logFormat, logLevel > LogLevel.Warning ? logLevel : LogLevel.Warning);
        // A failed bind is reported by the node as a config mistake (AddressBinding), without Hosting's stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);

        var app = builder.Build();
        app.Use((http, next) =>
        {
            http.Response.Headers[AdminApiHeader.Name] = AdminApiHeader.Value;
            return next(http);
        });
        app.UseRouting();
        MapProbes(app, readiness);
        // O3: Prometheus text format, no token (like the probes; the admin listener is loopback by default).
        app.MapMetrics("/metrics", metrics);
        MapApi(app, api, new AdminTokenFilter(token, app.Logger));
        app.MapFallback(() => Results.Text("not found\n", "text/plain", statusCode: StatusCodes.Status404NotFound));

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new AdminServer(app, BoundEndPoint(app, endpoint));
    }

    private static void MapProbes(WebApplication app, NodeReadiness readiness)
    {
        string[] getOrHead = ["GET", "HEAD"];
        app.MapMethods("/health", getOrHead, () => readiness.Healthy
            ? Results.Text("ok\n")
            : Results.Text("stopping\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapMethods("/ready", getOrHead, () => readiness.Ready
            ? Results.Text("ready\n")
            : Results.Text($"not ready: {readiness.NotReadyReason}\n", statusCode: StatusCodes.Status503ServiceUnavailable));
    }

    private static void MapApi(WebApplication app, AdminApi api, AdminTokenFilter tokenFilter)
    {
        var group = app.MapGroup("/api").AddEndpointFilter(tokenFilter);

        group.MapGet("/cluster/members", () => Run(api, a => a.Cluster.Members()));
        group.MapPost("/cluster/leave", (string? address) => Run(api, a => a.Cluster.Leave(address)));
        group.MapPost("/cluster/down", (string? address) => Run(api, a => a.Cluster.Down(address)));
        group.MapPost("/cluster/join", (string? address) => Run(api, a => a.Cluster.Join(address)));
        // Issue 13: cluster tail (NDJSON for as long as the client stays) and actor hierarchy.
        group.MapGet("/cluster/events", () => api.Current is { } attached ? new ClusterEventStream(attached.Cluster) : Starting());
        group.MapGet("/actors", (string? path, string? depth) => RunAsync(api, a => a.Cluster.Actors.TreeAsync(path, depth)));

        group.MapGet("/sharding/regions", () => Run(api, a => a.Cluster.Regions()));
        group.MapGet("/sharding/regions/{type}", (string type) => RunAsync(api, a => a.Cluster.RegionStatsAsync(type)));
        group.MapGet("/sharding/regions/{type}/shards", (string type) => RunAsync(api, a => a.Cluster.ShardStatsAsync(type)));

        group.MapGet("/pools", () => RunAsync(api, a => a.Pools.ListAsync()));
        group.MapGet("/pools/{pool}", (string pool) => RunAsync(api, a => a.Pools.GetAsync(pool)));
        group.MapPost("/pools/{pool}/drain", (string pool, string? backend) => RunAsync(api, a => a.Pools.DrainAsync(pool, backend)));
        group.MapPost("/pools/{pool}/undrain", (string pool, string? backend) => RunAsync(api, a => a.Pools.UndrainAsync(pool, backend)));
        group.MapPost("/pools/{pool}/weight", (string pool, string? backend, string? value) =>
            RunAsync(api, a => a.Pools.WeightAsync(pool, backend, value)));

        group.MapGet("/routes", () => Run(api, a => a.Routes.List()));

        group.MapGet("/limits", () => RunAsync(api, a => a.Limits.ListAsync()));
        group.MapGet("/limits/{name}", (string name, string? key) => RunAsync(api, a => a.Limits.GetAsync(name, key)));

        // O6: config revisions (the body is the config file's HOCON text).
        group.MapPost("/config/verify", async (HttpRequest request) =>
            await ReadConfigText(request) is { } text ? Run(api, a => a.Config.Verify(text)) : TooLarge());
        group.MapPost("/config/apply", async (HttpRequest request, string? source, string? wait) =>
            await ReadConfigText(request) is not { } text ? TooLarge()
            : ParseWait(wait) is not { } timeout ? BadWait(wait)
            : await RunAsync(api, a => a.Config.ApplyAsync(text, source, timeout)));
        group.MapPost("/config/rollback", async (string? revision, string? source, string? wait) =>
            ParseRevision(revision) is not { } number ? BadRevision(revision)
            : ParseWait(wait) is not { } timeout ? BadWait(wait)
            : await RunAsync(api, a => a.Config.RollbackAsync(number, source, timeout)));
        group.MapGet("/config/status", () => RunAsync(api, a => a.Config.StatusAsync()));
        group.MapGet("/config", async (string? revision) =>
            revision is null ? await RunAsync(api, a => a.Config.ShowAsync(null))
            : ParseRevision(revision) is { } number ? await RunAsync(api, a => a.Config.ShowAsync(number))
            : BadRevision(revision));
        group.MapGet("/status", () => Run(api, a => a.Status.Status()));
        // O2: every member's last seconds per route and backend, added up (pbm stats, pbm top).
        group.MapGet("/stats", () => RunAsync(api, a => a.Stats.StatsAsync()));
        // E5: every member's caches, and a purge every member carries out (each one's acknowledgement in the answer).
        group.MapGet("/cache/stats", () => RunAsync(api, a => a.Cache.StatsAsync()));
        group.MapPost("/cache/purge", (string? url, string? prefix, string? tag) => RunAsync(api, a => a.Cache.PurgeAsync(url, prefix, tag)));

        // O4: logrotate's postrotate hook (or SIGUSR1) — the access log file is reopened by its path.
        group.MapPost("/access-log/reopen", () => Run(api, a => a.AccessLog.RequestReopen()
            ? new AdminResult(StatusCodes.Status200OK, new { reopening = a.AccessLog.File })
            : new AdminResult(StatusCodes.Status409Conflict, new ErrorView("the access log is not written to a file (off or stdout): nothing to reopen"))));

        // Inside the group, so an unknown API path without a token is refused like the others.
        group.MapFallback((HttpRequest request) => Results.Json(
            new ErrorView($"no admin endpoint {request.Method} {request.Path} (see pbm --help)"), AdminJson.Options,
            statusCode: StatusCodes.Status404NotFound));
    }

    /// <summary>The largest config text the admin API takes (the listener's other requests are held to 64 KiB).</summary>
    private const int MaxConfigText = 1024 * 1024;

    private static async Task<string?> ReadConfigText(HttpRequest request)
    {
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxConfigText;
        try
        {
            using var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8);
            return await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            return null;
        }
    }

    private static IResult TooLarge() => Results.Json(new ErrorView($"the config text is larger than {MaxConfigText / 1024} KiB"),
        AdminJson.Options, statusCode: StatusCodes.Status413PayloadTooLarge);

    /// <summary>How long apply and rollback wait for the members' answers: <c>wait=5s</c>, <c>wait=500ms</c>, <c>wait=0s</c>
    /// (answer once stored); default 10 s, at most 60 s.</summary>
    private static TimeSpan? ParseWait(string? wait) =>
        wait is null ? ConfigAdminQueries.DefaultWait
        : ShortDuration.TryParse(wait, TimeSpan.Zero, TimeSpan.FromSeconds(60), out var value) ? value : null;

    /// <summary>A revision number (1 or more); null for anything else.</summary>
    private static long? ParseRevision(string? revision) =>
        long.TryParse(revision, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number >= 1
            ? number
            : null;

    private static IResult BadRevision(string? revision) => Results.Json(
        new ErrorView($"revision must be a revision number (1 or more), got '{revision}'"), AdminJson.Options, statusCode: StatusCodes.Status400BadRequest);

    private static IResult BadWait(string? wait) => Results.Json(new ErrorView($"wait must be a duration from 0s to 60s (e.g. 5s), got '{wait}'"),
        AdminJson.Options, statusCode: StatusCodes.Status400BadRequest);

    private static IResult Run(AdminApi api, Func<AdminApi.Attached, AdminResult> query) =>
        api.Current is { } attached ? ToResult(query(attached)) : Starting();

    private static async Task<IResult> RunAsync(AdminApi api, Func<AdminApi.Attached, Task<AdminResult>> query) =>
        api.Current is { } attached ? ToResult(await query(attached).ConfigureAwait(false)) : Starting();

    private static IResult ToResult(AdminResult result) => Results.Json(result.Body, AdminJson.Options, statusCode: result.Status);

    private static IResult Starting() =>
        Results.Json(new ErrorView("the node is starting"), AdminJson.Options, statusCode: StatusCodes.Status503ServiceUnavailable);

    /// <summary>The real address Kestrel bound (the configured port may be 0).</summary>
    internal static IPEndPoint BoundEndPoint(WebApplication app, IPEndPoint configured)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault();
        return first is not null && Uri.TryCreate(first, UriKind.Absolute, out var uri)
            ? new IPEndPoint(configured.Address, uri.Port)
            : configured;
    }

    /// <summary>Stops the listener (idempotent: the node stops it on StopAsync and when its ActorSystem ends).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(deadline.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
