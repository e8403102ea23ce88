using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Proxy.Tests.Integration.Support;

/// <summary>
/// A test's own HTTP server (Kestrel, minimal APIs) on 127.0.0.1 with an OS-chosen port and no logging: the backends,
/// receivers and fake APIs the specs talk to through real sockets.
/// </summary>
public static class LoopbackKestrel
{
    /// <param name="map">Adds the server's routes (and middleware) before it starts.</param>
    /// <param name="listen">Configures the one endpoint (e.g. <c>l.UseHttps(certificate)</c>).</param>
    /// <param name="server">Other Kestrel options (limits).</param>
    /// <returns>The running app (the caller stops it) and its port.</returns>
    public static async Task<(WebApplication App, int Port)> StartAsync(Action<WebApplication> map, Action<ListenOptions>? listen = null,
        Action<KestrelServerOptions>? server = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration().UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0, l => listen?.Invoke(l));
            server?.Invoke(o);
        });
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address).Port);
    }
}
