using System.Net.Http.Headers;
using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Admin;

/// <summary>One real node (its own one-member cluster) with an admin token and pool <c>main</c> over a raw backend,
/// for <c>pbm actor hierarchy</c> and <c>pbm cluster tail</c>.</summary>
public sealed class InspectionNodeFixture : IAsyncLifetime
{
    public const string Token = "inspection-admin-token-3b7e";

    public RawBackend Backend { get; private set; } = null!;
    public ProxyNode Node { get; private set; } = null!;

    public string AdminHost => $"127.0.0.1:{Node.Admin.Port}";

    public async Task InitializeAsync()
    {
        Backend = new RawBackend();
        Node = await TestNode.StartAsync($$"""
            admin { token = "{{Token}}" }
            {{TestNode.PoolFor(Backend.Port)}}
            """);
    }

    /// <summary>A client of the node's admin listener with the token.</summary>
    public HttpClient Admin()
    {
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri($"http://{AdminHost}/"),
            Timeout = TimeSpan.FromSeconds(15),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
