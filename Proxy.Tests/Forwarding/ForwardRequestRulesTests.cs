using System.Text;
using Proxy.Actors.Forwarding;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;
using Xunit;

namespace Proxy.Tests.Forwarding;

/// <summary>X1, X3: a forward listener's decisions before any connection, as a pure function of the parsed head and
/// the listener's settings (issue 12: the rules left the exchange stage). The end-to-end answers are in
/// ForwardProxySpec, TunnelSpec and TargetGuardSpec.</summary>
public sealed class ForwardRequestRulesTests : IDisposable
{
    private readonly ForwardRuntime _forward = Forward(defaultUpstream: null);

    public void Dispose() => _forward.Dispose();

    private static ForwardRuntime Forward(string? defaultUpstream) => new(
        new ListenerSettings
        {
            Name = "fwd", Address = "127.0.0.1:0", Mode = ListenerMode.Forward,
            Guard = new ForwardGuardSettings { AllowTargets = ["127.0.0.0/8"], AllowUpstreams = ["127.0.0.0/8"] },
        },
        new ForwardSettings { DefaultUpstream = defaultUpstream });

    private static HttpRequestHead Parse(string raw)
    {
        var status = Http1RequestParser.TryParse(Encoding.ASCII.GetBytes(raw), HttpLimits.Default, out var head, out _, out var error);
        Assert.True(status == ParseStatus.Complete, error.Reason);
        return head!;
    }

    [Theory]
    [InlineData("GET https://127.0.0.1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ProxyError.ForwardNeedsConnect, false, null)]
    [InlineData("GET / HTTP/1.0\r\n\r\n", ProxyError.ForwardTargetMissing, false, null)]
    [InlineData("GET http://10.0.0.1/ HTTP/1.1\r\nHost: 10.0.0.1\r\nX-Proxy-To: 127.0.0.2:3128\r\n\r\n",
        ProxyError.TargetNotAllowed, false, "target not allowed")]
    [InlineData("POST http://127.0.0.1/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Proxy-To: 127.0.0.2:3128\r\nX-Proxy-To: 127.0.0.3:3128\r\nContent-Length: 1\r\n\r\n",
        ProxyError.UpstreamProxyHeaderInvalid, true, "more than one X-Proxy-To header")]
    [InlineData("GET http://127.0.0.1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ProxyError.UpstreamProxyHeaderInvalid, false, "missing X-Proxy-To header")]
    [InlineData("CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\nX-Proxy-To: 10.0.0.5:3128\r\n\r\n",
        ProxyError.UpstreamProxyNotAllowed, true, "upstream proxy not allowed")]
    [InlineData("CONNECT 10.0.0.1:443 HTTP/1.1\r\nHost: 10.0.0.1:443\r\n\r\n", ProxyError.TargetNotAllowed, true, "target not allowed")]
    public void ARefusal_NamesItsError_AndWhetherTheConnectionCloses(string raw, ProxyError error, bool close, string? detail)
    {
        var plan = ForwardRequestRules.Decide(Parse(raw), _forward);
        Assert.Equal(error, plan.Error);
        Assert.Equal(close, plan.CloseAfterRefusal);
        if (detail is null) Assert.Null(plan.Detail);
        else Assert.StartsWith(detail, plan.Detail);
        Assert.Null(plan.Proxy);
    }

    [Fact]
    public void AnInvalidUpstreamHeader_IsRefused_WithoutRepeatingItsPassword()
    {
        var plan = ForwardRequestRules.Decide(
            Parse("GET http://127.0.0.1/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Proxy-To: http://user:s3cret@/\r\n\r\n"), _forward);
        Assert.Equal(ProxyError.UpstreamProxyHeaderInvalid, plan.Error);
        Assert.StartsWith("invalid X-Proxy-To header", plan.Detail);
        Assert.DoesNotContain("s3cret", plan.Detail);
    }

    [Fact]
    public void TheHeaderNamesTheUpstream_WithItsCredentials_AndWinsOverTheDefault()
    {
        using var forward = Forward(defaultUpstream: "127.0.0.9:3128");
        var plan = ForwardRequestRules.Decide(
            Parse("GET http://127.0.0.1/a HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Proxy-To: http://u:p@127.0.0.2:3128\r\n\r\n"), forward);
        Assert.Null(plan.Error);
        Assert.Equal(("127.0.0.2", 3128), (plan.Proxy!.Host, plan.Proxy.Port));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u:p")), plan.Proxy.ProxyAuthorization);

        var byDefault = ForwardRequestRules.Decide(Parse("GET http://127.0.0.1/a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), forward);
        Assert.Equal(("127.0.0.9", 3128), (byDefault.Proxy!.Host, byDefault.Proxy.Port));
    }

    [Fact]
    public void AConnectWithoutAnUpstream_IsADirectTunnel()
    {
        var plan = ForwardRequestRules.Decide(Parse("CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n"), _forward);
        Assert.Null(plan.Error);
        Assert.Null(plan.Proxy);
    }
}
