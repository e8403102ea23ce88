using Proxy.Node.Hosting;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Integration.Forwarding;

/// <summary>
/// X3: the target guard sees through the spellings of loopback (RFC 6761 names, a trailing dot, case, the
/// shorthand, decimal, hex, octal and IPv4-mapped forms of an address), whether this node connects to the target or
/// an upstream proxy (a real tinyproxy) resolves it, for absolute-form, origin-form and CONNECT. The listener allows
/// loopback upstreams only; targets keep the built-in deny of loopback.
/// </summary>
public sealed class TargetGuardSpec(ForwardPeers peers) : IClassFixture<ForwardPeers>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public static TheoryData<string, string> SpellingsAndForms()
    {
        var data = new TheoryData<string, string>();
        foreach (var host in new[] { "localhost", "LocalHost.", "app.localhost", "127.0.0.1.", "127.1", "2130706433", "0x7f.0.0.1",
                     "0177.0.0.1", "[::ffff:127.0.0.1]" })
        foreach (var form in new[] { "absolute via tinyproxy", "origin-form via tinyproxy", "CONNECT via tinyproxy", "CONNECT direct" })
            data.Add(host, form);
        return data;
    }

    [Theory]
    [MemberData(nameof(SpellingsAndForms))]
    public async Task ALoopbackTarget_InAnySpelling_Is403(string host, string form)
    {
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(1),
            """, mode = forward, allow-upstreams = [ "127.0.0.0/8" ]""");
        var authority = $"{host}:{peers.Origin.Port}";
        var upstream = form.EndsWith("via tinyproxy", StringComparison.Ordinal) ? $"X-Proxy-To: {peers.TinyProxy.WithCredentials}\r\n" : "";
        var request = form switch
        {
            "absolute via tinyproxy" => $"GET http://{authority}/ HTTP/1.1\r\nHost: {authority}\r\n{upstream}Connection: close\r\n\r\n",
            "origin-form via tinyproxy" => $"GET / HTTP/1.1\r\nHost: {authority}\r\n{upstream}Connection: close\r\n\r\n",
            _ => $"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{upstream}\r\n",
        };
        using var client = new RawClient(node.Public());
        client.Send(request);
        var response = await client.ReadUntilClosedAsync(Wait);

        Assert.StartsWith("HTTP/1.1 403", response);
        Assert.Contains("target not allowed: ", response);
        Assert.Contains("loopback", response);
        Assert.DoesNotContain(TinyProxy.Password, response);
    }

    [Fact]
    public async Task AfterTheRefusals_ThePublicNamePathStillWorks_AndAllowedLoopbackIsReached()
    {
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(1),
            """, mode = forward, allow-targets = [ "127.0.0.0/8", "::1" ], allow-upstreams = [ "127.0.0.0/8" ]""");
        using var client = new RawClient(node.Public());
        client.Send($"GET http://localhost:{peers.Origin.Port}/reached HTTP/1.1\r\nHost: x\r\nX-Proxy-To: {peers.TinyProxy.WithCredentials}\r\nConnection: close\r\n\r\n");
        var response = await client.ReadUntilClosedAsync(Wait);
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.EndsWith("GET /reached", response);
    }

    /// <summary>resolve-targets = local: a name sent to an upstream proxy is resolved here too; one that does not
    /// resolve here is refused, while by default (upstream) it goes to the upstream, whose DNS decides.</summary>
    [Theory]
    [InlineData("upstream", "GET")]
    [InlineData("local", "GET")]
    [InlineData("local", "CONNECT")]
    public async Task ResolveTargetsLocal_RefusesANameThisNodeCannotVouchFor(string resolve, string method)
    {
        await using var node = await TestNode.StartAsync(TestNode.PoolFor(1),
            $$""", mode = forward, allow-upstreams = [ "127.0.0.0/8" ], resolve-targets = {{resolve}}""");
        const string authority = "no-such-host.invalid:80";
        var request = method == "GET"
            ? $"GET http://{authority}/ HTTP/1.1\r\nHost: {authority}\r\nX-Proxy-To: {peers.TinyProxy.WithCredentials}\r\nConnection: close\r\n\r\n"
            : $"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nX-Proxy-To: {peers.TinyProxy.WithCredentials}\r\n\r\n";
        using var client = new RawClient(node.Public());
        client.Send(request);
        var response = await client.ReadUntilClosedAsync(Wait);
        if (resolve == "local")
        {
            Assert.StartsWith("HTTP/1.1 403", response);
            Assert.Contains("target not allowed: no-such-host.invalid does not resolve here (resolve-targets = local)", response);
        }
        else
        {
            Assert.DoesNotContain("HTTP/1.1 403", response); // the upstream proxy was asked (and could not resolve it)
        }
    }
}
