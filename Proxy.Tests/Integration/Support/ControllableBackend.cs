using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Proxy.Tests.Integration.Support;

/// <summary>
/// A Kestrel backend whose health and answers a test switches at run time: <c>/healthz</c> answers 200 or
/// 503 (<see cref="Healthy"/>) and counts probes; every other path answers <see cref="Status"/> with the
/// backend's name as the body, and counts requests.
/// </summary>
public sealed class ControllableBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _probes;
    private int _requests;

    private ControllableBackend(WebApplication app, string name, int port)
    {
        _app = app;
        Name = name;
        Port = port;
    }

    public string Name { get; }
    public int Port { get; }
    public string Address => $"127.0.0.1:{Port}";
    public volatile bool Healthy = true;
    public volatile int Status = 200;
    public int Probes => Volatile.Read(ref _probes);
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<ControllableBackend> StartAsync(string name)
    {
        ControllableBackend? self = null;
        var (app, port) = await LoopbackKestrel.StartAsync(web =>
        {
            web.MapGet("/healthz", () =>
            {
                Interlocked.Increment(ref self!._probes);
                return self.Healthy ? Results.Text("ok") : Results.StatusCode(503);
            });
            web.MapFallback((HttpContext ctx) =>
            {
                Interlocked.Increment(ref self!._requests);
                ctx.Response.StatusCode = self.Status;
                return ctx.Response.WriteAsync(self.Name);
            });
        });
        self = new ControllableBackend(app, name, port);
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
