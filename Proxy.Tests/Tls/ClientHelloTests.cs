using Proxy.Actors.Tls;
using Xunit;

namespace Proxy.Tests.Tls;

/// <summary>The client-hello reader the TLS listener uses to choose its options: real hellos are covered through
/// openssl and SslStream in TlsPolicySpec; here the malformed and partial ones, which must never throw.</summary>
public class ClientHelloTests
{
    /// <summary>A ClientHello record with the given extensions (type, data) and a 2-byte cipher list.</summary>
    private static byte[] Hello(params (ushort Type, byte[] Data)[] extensions)
    {
        var ext = extensions.SelectMany(e => new[] { (byte)(e.Type >> 8), (byte)e.Type, (byte)(e.Data.Length >> 8), (byte)e.Data.Length }.Concat(e.Data)).ToArray();
        var body = new List<byte> { 0x03, 0x03 };
        body.AddRange(new byte[32]);                 // random
        body.Add(0);                                 // session id
        body.AddRange([0x00, 0x02, 0x13, 0x01]);     // cipher suites
        body.AddRange([0x01, 0x00]);                 // compression methods
        if (extensions.Length > 0) body.AddRange(new[] { (byte)(ext.Length >> 8), (byte)ext.Length }.Concat(ext));
        var handshake = new List<byte> { 0x01, 0, (byte)(body.Count >> 8), (byte)body.Count };
        handshake.AddRange(body);
        return [0x16, 0x03, 0x01, (byte)(handshake.Count >> 8), (byte)handshake.Count, .. handshake];
    }

    private static readonly byte[] Versions13And12 = [4, 0x03, 0x04, 0x03, 0x03];
    private static readonly byte[] Versions12 = [2, 0x03, 0x03];

    [Fact]
    public void AHelloOfferingTls13_AfterOtherExtensions() =>
        Assert.Equal(ClientHelloKind.OffersTls13, ClientHello.Classify(Hello((0, [0, 0]), (43, Versions13And12))));

    [Fact]
    public void AHelloWithoutTls13_OrWithoutTheExtension_OrWithoutExtensions()
    {
        Assert.Equal(ClientHelloKind.Tls12OrOlder, ClientHello.Classify(Hello((43, Versions12))));
        Assert.Equal(ClientHelloKind.Tls12OrOlder, ClientHello.Classify(Hello((10, [0, 2, 0, 29]))));
        Assert.Equal(ClientHelloKind.Tls12OrOlder, ClientHello.Classify(Hello()));
    }

    [Fact]
    public void EveryTruncation_IsUnknown_NeverAnException()
    {
        var hello = Hello((0, [0, 0]), (43, Versions13And12));
        for (var length = 1; length < hello.Length; length++)
            Assert.Equal(ClientHelloKind.Unknown, ClientHello.Classify(hello.AsSpan(0, length)));
    }

    [Fact]
    public void LengthsThatOverrunTheirParent_AreUnknown()
    {
        var hello = Hello((43, Versions13And12));
        hello[^5] = 200; // the versions list claims more bytes than its extension holds
        Assert.Equal(ClientHelloKind.Unknown, ClientHello.Classify(hello));
        var wrongMessage = Hello((43, Versions13And12));
        wrongMessage[5] = 0x02; // a ServerHello where a ClientHello belongs
        Assert.Equal(ClientHelloKind.Unknown, ClientHello.Classify(wrongMessage));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n", ClientHelloKind.PlainHttp)]
    [InlineData("PRI * HTTP/2.0\r\n", ClientHelloKind.PlainHttp)]
    [InlineData("\u0001\u0002junk", ClientHelloKind.NotTls)]
    [InlineData("get / HTTP/1.1\r\n", ClientHelloKind.NotTls)]
    public void WhatIsNotAHello(string text, ClientHelloKind kind) =>
        Assert.Equal(kind, ClientHello.Classify(System.Text.Encoding.Latin1.GetBytes(text)));

    [Fact]
    public void TheRecordLength_IsKnownFromTheHeaderAlone()
    {
        var hello = Hello((43, Versions13And12));
        Assert.Equal(hello.Length, ClientHello.RecordLength(hello.AsSpan(0, 5)));
        Assert.Equal(0, ClientHello.RecordLength(hello.AsSpan(0, 4)));
        Assert.Equal(0, ClientHello.RecordLength("GET /"u8));
    }
}
