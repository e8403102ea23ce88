using System.Net.Security;
using Proxy.Shared.Configuration;
using Xunit;
using static Proxy.Tests.Configuration.ConfigTesting;

namespace Proxy.Tests.Configuration;

/// <summary>Issue 19, point 3: a TLS listener's min-version, cipher-suites, session-tickets and handshake-timeout:
/// the Mozilla-intermediate defaults, and every mistake named by its path.</summary>
public class TlsSettingsTests
{
    private static string Tls(string settings) => Config(listeners: $$"""
        [ { name = s, address = "127.0.0.1:0", tls { certificates = [ { cert = a.pem, key = k.pem } ] {{settings}} } } ]
        """);

    [Fact]
    public void Defaults_AreMozillaIntermediate_WithTls13Resumption_AndATenSecondHandshake()
    {
        var tls = LoadValid(Tls("")).Listeners[0].Tls!;
        Assert.Equal(TlsVersion.Tls12, tls.MinVersion);
        Assert.Equal(
        [
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ], tls.CipherSuites);
        Assert.True(tls.SessionTickets);
        Assert.Equal(TimeSpan.FromSeconds(10), tls.HandshakeTimeout);
    }

    [Fact]
    public void EverySetting_IsBound()
    {
        var tls = LoadValid(Tls("""
            , min-version = "1.3", session-tickets = off, handshake-timeout = 3s,
            cipher-suites = [ TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" ]
            """)).Listeners[0].Tls!;
        Assert.Equal(TlsVersion.Tls13, tls.MinVersion);
        Assert.False(tls.SessionTickets);
        Assert.Equal(TimeSpan.FromSeconds(3), tls.HandshakeTimeout);
        Assert.Equal([TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384],
            tls.CipherSuites);
    }

    [Fact]
    public void MinVersion_OtherThan12Or13_ListsTheValidOnes() =>
        Assert.Equal(["proxy.listeners[0].tls.min-version: unknown min-version '1.1' (valid: 1.2, 1.3)"], Problems(Tls(""", min-version = "1.1" """)));

    [Fact]
    public void AnOpenSslCipherName_IsRefused_WithItsIanaName() =>
        Assert.Equal(["proxy.listeners[0].tls.cipher-suites[1]: unknown cipher suite 'ECDHE-RSA-AES128-GCM-SHA256' (that looks like an OpenSSL " +
                      "name; write the IANA one, e.g. ECDHE-RSA-AES128-GCM-SHA256 is TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)"],
            Problems(Tls(""", cipher-suites = [ TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256" ]""")));

    [Theory]
    [InlineData("TLS_MADE_UP", "unknown cipher suite 'TLS_MADE_UP' (IANA names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)")]
    [InlineData("49199", "unknown cipher suite '49199' (IANA names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)")]
    [InlineData("TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256 is not a TLS 1.2 suite; TLS 1.3's suites are always enabled, list TLS 1.2 suites only")]
    [InlineData("TLS_RSA_WITH_NULL_SHA256", "TLS_RSA_WITH_NULL_SHA256 is insecure (no encryption, no authentication, export-grade, RC4 or DES); use AEAD suites such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")]
    [InlineData("TLS_DH_anon_WITH_AES_128_GCM_SHA256", "TLS_DH_anon_WITH_AES_128_GCM_SHA256 is insecure (no encryption, no authentication, export-grade, RC4 or DES); use AEAD suites such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")]
    [InlineData("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA is insecure (no encryption, no authentication, export-grade, RC4 or DES); use AEAD suites such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")]
    [InlineData("TLS_ECDHE_RSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA is insecure (no encryption, no authentication, export-grade, RC4 or DES); use AEAD suites such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")]
    public void ACipherSuiteThatCannotBeUsed_IsNamedByItsIndex(string suite, string message) =>
        Assert.Equal([$"proxy.listeners[0].tls.cipher-suites[1]: {message}"],
            Problems(Tls($$""", cipher-suites = [ TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "{{suite}}" ]""")));

    [Fact]
    public void ASuiteListedTwice_IsReported() =>
        Assert.Equal(["proxy.listeners[0].tls.cipher-suites[1]: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 is listed twice"],
            Problems(Tls(""", cipher-suites = [ TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ]""")));

    [Fact]
    public void NoSuites_IsAMistake_UnlessOnlyTls13IsAccepted()
    {
        Assert.Equal(["proxy.listeners[0].tls.cipher-suites: no TLS 1.2 cipher suites: list at least one, or set min-version = \"1.3\""],
            Problems(Tls(", cipher-suites = []")));
        LoadValid(Tls(""", cipher-suites = [], min-version = "1.3" """));
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("50ms")]
    [InlineData("10m")]
    public void AHandshakeTimeoutOutOfRange_IsReported(string value) =>
        Assert.Equal(["proxy.listeners[0].tls.handshake-timeout: must be between 100ms and 5m"],
            Problems(Tls($", handshake-timeout = {value}")));

    [Fact]
    public void SessionTickets_IsASwitch() =>
        Assert.Equal(["proxy.listeners[0].tls.session-tickets: expected on or off, got 'sometimes'"],
            Problems(Tls(", session-tickets = sometimes")));
}
