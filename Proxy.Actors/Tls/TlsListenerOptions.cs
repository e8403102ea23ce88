using System.Net.Security;
using System.Security.Authentication;
using Akka.Event;
using Proxy.Shared.Configuration;

namespace Proxy.Actors.Tls;

/// <summary>
/// What every handshake on one TLS listener shares, built once from its <see cref="TlsSettings"/>: protocol versions,
/// the TLS 1.2 cipher-suite policy, resumption, the handshake timeout, ALPN, and where failures are logged.
/// Certificates come per handshake from the <see cref="CertificateStore"/> by SNI.
/// </summary>
/// <remarks>
/// The options are chosen per client hello (<see cref="ClientHello"/>). A client that offers TLS 1.3 is answered with
/// TLS 1.3 alone, whose three suites are all AEAD and need no policy; a client limited to TLS 1.2 gets TLS 1.2 with the
/// listener's <see cref="CipherSuitesPolicy"/>; a hello that could not be read whole gets both versions and the policy.
/// The split is for speed: .NET on Linux builds a fresh native TLS context for every handshake that carries a
/// cipher-suite policy or refuses resumption, and reuses one per certificate otherwise (measured with
/// scripts/bench-tls.sh --handshakes: a policy on every handshake cut new TLS connections/s by ~45 %). TLS 1.2 never
/// runs without the policy, so OpenSSL's default TLS 1.2 list (with its CBC suites) is never offered.
/// </remarks>
public sealed class TlsListenerOptions
{
    /// <summary>
    /// ALPN (RFC 7301): the protocols this listener speaks. A client that offers ALPN without any of them is refused
    /// with the no_application_protocol alert (§3.2; the defence against cross-protocol attacks such as ALPACA); a
    /// client that offers none is served HTTP/1.1. HTTP/2 inbound adds h2 here.
    /// </summary>
    private static readonly List<SslApplicationProtocol> ListenerProtocols = [SslApplicationProtocol.Http11];

    private readonly bool _tls13Only;
    private readonly CipherSuitesPolicy? _tls12Suites;
    private readonly CipherSuitesPolicy? _allSuites;
    private readonly bool _allowResume;

    public TlsListenerOptions(string listener, TlsSettings settings, CertificateStore certificates)
    {
        Listener = listener;
        Certificates = certificates;
        HandshakeTimeout = settings.HandshakeTimeout;
        _tls13Only = settings.MinVersion == TlsVersion.Tls13;
        // CipherSuitesPolicy is implemented on Linux (OpenSSL) only; elsewhere the operating system's defaults apply.
        if (OperatingSystem.IsLinux() && !_tls13Only)
        {
            _tls12Suites = new CipherSuitesPolicy(settings.CipherSuites);
            _allSuites = new CipherSuitesPolicy([.. TlsSettings.Tls13Suites, .. settings.CipherSuites]);
        }
        _allowResume = settings.SessionTickets;
    }

    public string Listener { get; }
    public CertificateStore Certificates { get; }
    public TimeSpan HandshakeTimeout { get; }
    /// <summary>The listener's log (handshake failures at debug); set when its actor starts.</summary>
    public ILoggingAdapter? Log { get; set; }

    /// <summary>The options for one handshake: by the versions the client's hello offers, and its server name (SNI).</summary>
    public SslServerAuthenticationOptions For(ClientHelloKind hello, string? serverName)
    {
        var (protocols, policy) = _tls13Only || hello == ClientHelloKind.OffersTls13 ? (SslProtocols.Tls13, null)
            : hello == ClientHelloKind.Tls12OrOlder ? (SslProtocols.Tls12, _tls12Suites)
            : (SslProtocols.Tls12 | SslProtocols.Tls13, _allSuites);
        return new SslServerAuthenticationOptions
        {
            EnabledSslProtocols = protocols,
            CipherSuitesPolicy = policy,
            AllowTlsResume = _allowResume,
            ClientCertificateRequired = false,
            AllowRenegotiation = false,
            ServerCertificateContext = Certificates.Select(serverName),
            ApplicationProtocols = ListenerProtocols,
        };
    }
}
