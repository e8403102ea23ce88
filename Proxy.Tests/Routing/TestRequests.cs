using Proxy.Shared.Http;

namespace Proxy.Tests.Routing;

/// <summary>Builds request heads the way the parser would hand them to the router.</summary>
internal static class TestRequests
{
    public static HttpRequestHead Create(
        string method = "GET",
        string host = "example.com", // the Host header: host[:port]
        string path = "/",
        string query = "",
        params (string Name, string Value)[] headers)
    {
        var list = new HttpHeaderList();
        list.Add("Host", host);
        foreach (var (name, value) in headers) list.Add(name, value);
        var target = query.Length == 0 ? path : path + "?" + query;
        return new HttpRequestHead
        {
            Method = method,
            Target = target,
            Path = path,
            Query = query,
            Version = 11,
            Headers = list,
            Host = HostSyntax.HostWithoutPort(host),
            Authority = host,
            KeepAlive = true,
        };
    }
}
