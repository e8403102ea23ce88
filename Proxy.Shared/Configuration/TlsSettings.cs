using System.Net.Security;

namespace Proxy.Shared.Configuration;

/// <summary>E1, a listener's <c>tls { certificates = [ … ], min-version, cipher-suites, session-tickets,
/// handshake-timeout }</c>: terminate TLS 1.2+ with certificates chosen by SNI.</summary>
public sealed record TlsSettings
{
    /// <summary>
    /// Mozilla's "intermediate" TLS 1.2 suites (ssl-config.mozilla.org, guideline 5.7): ECDHE key exchange (forward
    /// secrecy) with AEAD ciphers only, ChaCha20-Poly1305 included for clients without AES hardware. No CBC suites
    /// (LUCKY13), no static RSA, no DHE (no DH parameters to configure). TLS 1.3's three suites are always on.
    /// </summary>
    public static readonly IReadOnlyList<TlsCipherSuite> MozillaIntermediate =
    [
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    /// <summary>The TLS 1.3 suites (RFC 8446 §9.1 and OpenSSL's default set); not configurable, as in nginx.</summary>
    public static readonly IReadOnlyList<TlsCipherSuite> Tls13Suites =
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
    ];

    /// <summary>The first is the default (no SNI, or a name no certificate covers).</summary>
    public IReadOnlyList<CertificateSettings> Certificates { get; init; } = [];
    /// <summary>How often the PEM files are checked for changes (new handshakes get the new certificate).</summary>
    public TimeSpan ReloadInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>The oldest protocol version accepted: TLS 1.2 (default) or 1.3.</summary>
    public TlsVersion MinVersion { get; init; } = TlsVersion.Tls12;
    /// <summary>The TLS 1.2 suites offered, in server preference order (IANA names in the config).</summary>
    public IReadOnlyList<TlsCipherSuite> CipherSuites { get; init; } = MozillaIntermediate;
    /// <summary>TLS 1.3 session resumption (tickets). On by default: .NET reuses one native TLS context per certificate
    /// only while resumption is allowed, and a fresh context per handshake costs ~45 % of new connections/s. The ticket
    /// keys live with that context: until the certificate is reloaded or the node restarts.</summary>
    public bool SessionTickets { get; init; } = true;
    /// <summary>Time from accept to a finished handshake; past it the connection is closed.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public bool Equals(TlsSettings? other) =>
        other is not null && Certificates.SequenceEqual(other.Certificates) && ReloadInterval == other.ReloadInterval
        && MinVersion == other.MinVersion && CipherSuites.SequenceEqual(other.CipherSuites)
        && SessionTickets == other.SessionTickets && HandshakeTimeout == other.HandshakeTimeout;

    public override int GetHashCode() => HashCode.Combine(Certificates.Count, ReloadInterval, MinVersion, CipherSuites.Count,
        SessionTickets, HandshakeTimeout);
}

/// <summary>A TLS listener's <c>min-version</c>.</summary>
public enum TlsVersion
{
    Tls12,
    Tls13,
}

/// <summary>One certificate: PEM files, and the names it serves (default: its DNS names and common name).</summary>
public sealed record CertificateSettings
{
    public required string Cert { get; init; }
    public required string Key { get; init; }
    public IReadOnlyList<string> Names { get; init; } = [];

    public bool Equals(CertificateSettings? other) =>
        other is not null && Cert == other.Cert && Key == other.Key && Names.SequenceEqual(other.Names);

    public override int GetHashCode() => HashCode.Combine(Cert, Key, Names.Count);
}
