using Proxy.Shared.Forwarding;
using Xunit;

namespace Proxy.Tests.Forwarding;

public sealed class UpstreamProxyTests
{
    [Theory]
    [InlineData("proxy.example.com:3128", "proxy.example.com", 3128, null, null)]
    [InlineData("http://proxy.example.com:3128", "proxy.example.com", 3128, null, null)]
    [InlineData("HTTP://10.0.0.1:8080/", "10.0.0.1", 8080, null, null)]
    [InlineData("  http://user:secret@127.0.0.1:3128  ", "127.0.0.1", 3128, "user", "secret")]
    [InlineData("u%40corp:p%3Aw%25rd@[::1]:3128", "::1", 3128, "u@corp", "p:w%rd")]
    [InlineData("user:@host:1", "host", 1, "user", "")]
    [InlineData("user:p@ss@host:65535", "host", 65535, "user", "p@ss")]
    public void ValidValues_AreParsed_AndCredentialsPercentDecoded(string value, string host, int port, string? user, string? password)
    {
        Assert.True(UpstreamProxy.TryParse(value, out var proxy, out var error), error);
        Assert.Equal(host, proxy.Host);
        Assert.Equal(port, proxy.Port);
        Assert.Equal(user, proxy.User);
        Assert.Equal(password, proxy.Password);
    }

    [Fact]
    public void Credentials_BecomeBasicProxyAuthorization_AndNeverShowInTheDisplayForm()
    {
        Assert.True(UpstreamProxy.TryParse("http://alice:s3cr%21t@proxy:3128", out var proxy, out _));
        Assert.Equal("Basic " + Convert.ToBase64String("alice:s3cr!t"u8.ToArray()), proxy.ProxyAuthorization);
        Assert.Equal("alice:***@proxy:3128", proxy.Display);
        Assert.Equal("alice:***@proxy:3128", proxy.ToString());
        Assert.DoesNotContain("s3cr", proxy.PoolKey);
        Assert.True(UpstreamProxy.TryParse("proxy:3128", out var anonymous, out _));
        Assert.Null(anonymous.ProxyAuthorization);
        Assert.Equal("proxy:3128", anonymous.Display);
    }

    [Fact]
    public void DifferentCredentials_AreDifferentPools()
    {
        UpstreamProxy.TryParse("a:1@p:3128", out var a, out _);
        UpstreamProxy.TryParse("a:2@p:3128", out var b, out _);
        UpstreamProxy.TryParse("p:3128", out var c, out _);
        Assert.Equal(3, new[] { a!.PoolKey, b!.PoolKey, c!.PoolKey }.Distinct().Count());
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData("https://proxy:3128", "only http:// upstream proxies are supported")]
    [InlineData("socks5://proxy:1080", "only http:// upstream proxies are supported")]
    [InlineData("://proxy:3128", "invalid scheme")]
    [InlineData("http://proxy:3128/path", "without a path")]
    [InlineData("proxy:3128?x=1", "without a path")]
    [InlineData("proxy", "host:port")]
    [InlineData("proxy:", "port")]
    [InlineData("proxy:0", "port")]
    [InlineData("proxy:65536", "port")]
    [InlineData("proxy:http", "port")]
    [InlineData("http://:3128", "invalid host:port")]
    [InlineData("user@proxy:3128", "without a password")]
    [InlineData(":secret@proxy:3128", "empty user name")]
    [InlineData("us%3Aer:secret@proxy:3128", "containing ':'")]
    [InlineData("user:se%2cret%@proxy:3128", "percent-encoding")]
    [InlineData("user:se%zzret@proxy:3128", "percent-encoding")]
    [InlineData("user:%0Asecret@proxy:3128", "control characters")]
    [InlineData("b<d:3128", "invalid host")]
    [InlineData("::1:3128", "brackets")]
    public void InvalidValues_AreRefusedWithAReason_ThatNeverRepeatsThePassword(string value, string reason)
    {
        Assert.False(UpstreamProxy.TryParse(value, out var proxy, out var error));
        Assert.Null(proxy);
        Assert.Contains(reason, error);
        Assert.DoesNotContain("secret", error);
    }
}
