using System.Collections.Immutable;
using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Akka.Management.Dsl;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json;

namespace Proxy.Node.Hosting;

/// <summary>
/// The management endpoint of Cluster Bootstrap: <c>GET /bootstrap/seed-nodes</c> on the management port, the
/// contact point other nodes probe. Discovery, probing and the join decision are Akka.Management's
/// (<see cref="ClusterBootstrap"/>); only this one read-only route is served here, by Kestrel.
/// </summary>
/// <remarks>
/// Hand-written because Akka.Management serves its routes through Akka.Http.Shim on Ceen.Httpd, built against
/// Ceen.Httpd 0.9.9; the registry here serves only 0.9.10, whose <c>HttpServer.ListenAsync</c> has another
/// signature, so <c>AkkaManagement.Start()</c> fails with MissingMethodException. The answer is the library's own
/// <see cref="HttpBootstrapJsonProtocol.SeedNodes"/> document, serialised as its route does (Newtonsoft), with the
/// same member filter, so probing nodes read it unchanged.
/// </remarks>
public sealed class BootstrapEndpoint : IAsyncDisposable
{
    /// <summary>Members a contact point reports (Akka.Management's contact-point.max-seed-nodes-to-expose).</summary>
    private const int MaxSeedNodesToExpose = 5;

    private readonly WebApplication _app;
    private volatile Cluster? _cluster;

    private BootstrapEndpoint(WebApplication app, IPEndPoint endPoint)
    {
        _app = app;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Binds the management port at once (a taken port fails the start); answers 503 until <see cref="StartBootstrap"/>.</summary>
    public static async Task<BootstrapEndpoint> StartAsync(IPEndPoint bind, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o =>
        {
            o.Listen(bind);
            o.AddServerHeader = false;
            o.Limits.MaxConcurrentConnections = 32;
            o.Limits.MaxRequestBodySize = 0;
            o.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
        });
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        BootstrapEndpoint? endpoint = null;
        app.UseRouting();
        app.MapGet("/bootstrap/seed-nodes", () => endpoint!.SeedNodes());
        app.MapFallback(() => Results.Text("not found\n", "text/plain", statusCode: StatusCodes.Status404NotFound));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        endpoint = new BootstrapEndpoint(app, Admin.AdminServer.BoundEndPoint(app, bind));
        return endpoint;
    }

    /// <summary>Serves the cluster's members from now on and starts Cluster Bootstrap with this endpoint as the
    /// node's own contact point (advertised as <paramref name="publicHostname"/>, as discovery lists it).</summary>
    public void StartBootstrap(ActorSystem system, string publicHostname)
    {
        _cluster = Cluster.Get(system);
        var host = publicHostname.Contains(':') ? $"[{publicHostname}]" : publicHostname;
        var bootstrap = ClusterBootstrap.Get(system);
        // Routes() is where Akka.Management hands the bootstrap its own contact point; the routes it returns are
        // the Akka.Http ones this endpoint replaces.
        bootstrap.Routes(ManagementRouteProviderSettings.Create(new Uri($"http://{host}:{EndPoint.Port}/"), readOnly: true));
        _ = bootstrap.Start().ContinueWith(t => system.Log.Error(t.Exception, "Cluster Bootstrap failed to start"),
            TaskContinuationOptions.OnlyOnFaulted);
    }

    private IResult SeedNodes()
    {
        if (_cluster is not { } cluster)
            return Results.Text("starting\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        var self = cluster.SelfMember;
        var members = self.Status is MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Leaving or MemberStatus.Removed
            ? ImmutableList<HttpBootstrapJsonProtocol.ClusterMember>.Empty
            : cluster.State.Members
                .Where(m => !cluster.State.Unreachable.Contains(m))
                .Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining)
                .Take(MaxSeedNodesToExpose)
                .Select(m => new HttpBootstrapJsonProtocol.ClusterMember(m.UniqueAddress.Address, m.UniqueAddress.Uid, m.Status, m.Roles))
                .ToImmutableList();
        var body = JsonConvert.SerializeObject(new HttpBootstrapJsonProtocol.SeedNodes(self.UniqueAddress.Address, members));
        return Results.Text(body, "application/json");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
