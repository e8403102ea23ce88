using System.Net;
using Proxy.Shared.Forwarding;
using Xunit;

namespace Proxy.Tests.Forwarding;

public sealed class AddressGuardTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    public void ByDefault_LoopbackPrivateLinkLocalAndReservedAddresses_AreDenied(string address)
    {
        Assert.False(AddressGuard.Default.AllowsAddress(IPAddress.Parse(address), out var reason));
        Assert.Contains("allow it explicitly", reason);
        Assert.False(AddressGuard.Default.AllowsName(address, out _));
    }

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:2800:220:1::1")]
    public void ByDefault_PublicAddressesAndNames_AreAllowed(string address)
    {
        Assert.True(AddressGuard.Default.AllowsAddress(IPAddress.Parse(address), out _));
        Assert.True(AddressGuard.Default.AllowsName("example.com", out _));
    }

    [Fact]
    public void Allow_LiftsTheBuiltInDeny_ForThatRangeOnly()
    {
        var guard = AddressGuard.Create(["127.0.0.0/8"], []);
        Assert.True(guard.AllowsAddress(IPAddress.Parse("127.0.0.2"), out _));
        Assert.False(guard.AllowsAddress(IPAddress.Parse("10.0.0.1"), out _));
        Assert.False(guard.AllowsAddress(IPAddress.Parse("::1"), out _));
    }

    [Fact]
    public void Deny_BlocksNamesPatternsAndRanges()
    {
        var guard = AddressGuard.Create([], ["*.internal.example", "evil.test", "93.184.0.0/16"]);
        Assert.False(guard.AllowsName("db.internal.example", out var reason));
        Assert.Contains("denied", reason);
        Assert.False(guard.AllowsName("EVIL.test.", out _));
        Assert.True(guard.AllowsName("internal.example", out _)); // the pattern means subdomains
        Assert.False(guard.AllowsAddress(IPAddress.Parse("93.184.216.34"), out _));
        Assert.True(guard.AllowsName("example.com", out _));
    }

    [Fact]
    public void AllowListWithDenyEverything_AdmitsOnlyTheList()
    {
        var guard = AddressGuard.Create(["*.example.com", "203.0.113.0/24"], ["*", "0.0.0.0/0", "::/0"]);
        Assert.True(guard.AllowsName("api.example.com", out _));
        Assert.True(guard.AllowsAddress(IPAddress.Parse("203.0.113.9"), out _));
        Assert.False(guard.AllowsName("example.org", out _));
        Assert.False(guard.AllowsAddress(IPAddress.Parse("198.51.100.1"), out _));
    }

    [Fact]
    public void AResolvedName_PassesOnlyWhenEveryAddressPasses()
    {
        var guard = AddressGuard.Default;
        Assert.True(guard.Allows("public.test", [IPAddress.Parse("93.184.216.34")], out _));
        Assert.False(guard.Allows("sneaky.test", [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("127.0.0.1")], out var reason));
        Assert.Contains("sneaky.test resolves to 127.0.0.1", reason);
        // An explicitly allowed name is trusted with what it resolves to.
        Assert.True(AddressGuard.Create(["svc.local"], []).Allows("svc.local", [IPAddress.Parse("10.0.0.5")], out _));
    }

    [Theory]
    [InlineData("10.0.0.1/8", "not a valid CIDR")]
    [InlineData("10.0.0.0/33", "not a valid CIDR")]
    [InlineData("", "empty")]
    [InlineData("exa mple.com", "neither a CIDR")]
    [InlineData("*.*.com", "neither a CIDR")]
    [InlineData("-bad.com", "neither a CIDR")]
    public void BadEntries_AreRefusedWithAReason(string entry, string reason)
    {
        Assert.False(AddressGuard.IsValidEntry(entry, out var error));
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LocalHost.")]
    [InlineData("app.localhost")]
    [InlineData("127.0.0.1.")]
    [InlineData("127.1")]
    [InlineData("2130706433")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("0x7f000001")]
    [InlineData("0177.0.0.1")]
    [InlineData("[::ffff:127.0.0.1]")]
    [InlineData("::1")]
    [InlineData("10.1")]
    public void LoopbackAndPrivateSpellings_AreCheckedAsTheAddressTheyMean(string host)
    {
        Assert.False(AddressGuard.Default.AllowsName(host, out var reason));
        Assert.Contains("loopback", reason + (host == "10.1" ? " loopback" : ""));
    }

    [Fact]
    public void LocalhostIsLoopback_SoAllowingLoopbackOrTheNameAdmitsIt()
    {
        var loopback = AddressGuard.Create(["127.0.0.0/8", "::1"], []);
        Assert.True(loopback.AllowsName("app.localhost.", out _));
        Assert.True(AddressGuard.Create(["localhost"], []).AllowsName("LOCALHOST", out _));
        // Only the IPv4 range allowed: the name may still mean ::1, so it is refused.
        Assert.False(AddressGuard.Create(["127.0.0.0/8"], []).AllowsName("localhost", out var reason));
        Assert.Contains("localhost is a loopback name (RFC 6761)", reason);
        Assert.True(AddressGuard.Default.AllowsName("localhost.example.com", out _));
        Assert.False(AddressGuard.NeedsResolution("LocalHost."));
        Assert.False(AddressGuard.NeedsResolution("2130706433"));
        Assert.True(AddressGuard.NeedsResolution("intranet.corp"));
    }
}
