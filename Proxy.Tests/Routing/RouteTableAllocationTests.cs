using Proxy.Shared.Configuration;
using Proxy.Shared.Routing;
using Xunit;

namespace Proxy.Tests.Routing;

public class RouteTableAllocationTests
{
    [Fact]
    public void Match_DoesNotAllocate_EvenWithEncodedQueryAndRegex()
    {
        var table = RouteTable.Build(
        [
            new RouteSettings { Name = "hosts", Pool = "p", Match = new RouteMatch { Hosts = ["*.other.test"] } },
            new RouteSettings
            {
                Name = "all",
                Pool = "p",
                Match = new RouteMatch
                {
                    Hosts = ["*.example.com"],
                    PathPrefix = "/api/",
                    PathRegex = @"^/api/\d+$",
                    Methods = ["GET"],
                    Headers = new Dictionary<string, string?> { ["X-Tenant"] = "acme", ["Accept"] = null },
                    Query = new Dictionary<string, string?> { ["user name"] = "José", ["debug"] = null },
                },
            },
        ]);
        var request = TestRequests.Create("GET", "www.example.com", "/api/42", "user%20name=Jos%C3%A9&debug",
            ("X-Tenant", "acme"), ("Accept", "*/*"));
        for (var i = 0; i < 1_000; i++) Assert.Equal("all", table.Match(request)?.Name);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++) table.Match(request);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
