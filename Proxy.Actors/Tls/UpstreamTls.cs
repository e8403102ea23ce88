using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Proxy.Shared.Configuration;

namespace Proxy.Actors.Tls;

/// <summary>
/// E1, the client side: how a pool verifies its <c>https://</c> backends. Certificate validation is on by
/// default (system trust store, name must match); a pool can trust its own CA file instead, name the server
/// (SNI and the name checked), or turn verification off. The CA file is read once, when the pool starts.
/// </summary>
public sealed class UpstreamTls
{
    private readonly UpstreamTlsSettings _settings;
    private readonly X509Certificate2Collection? _trusted;

    public UpstreamTls(UpstreamTlsSettings settings)
    {
        _settings = settings;
        if (settings.Verify && settings.CaFile is { } caFile)
        {
            _trusted = new X509Certificate2Collection();
            _trusted.ImportFromPemFile(caFile);
            if (_trusted.Count == 0) throw new InvalidOperationException($"no certificate in CA file '{caFile}'");
        }
    }

    private HttpClient? _probeClient;

    /// <summary>The HttpClient health probes of this pool's https:// backends use (same verification rules).</summary>
    public HttpClient ProbeClient => _probeClient ??= new HttpClient(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        SslOptions = new SslClientAuthenticationOptions
        {
            TargetHost = _settings.ServerName,
            RemoteCertificateValidationCallback = Validate,
        },
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Options for one handshake with <paramref name="host"/>.</summary>
    public SslClientAuthenticationOptions ClientOptions(string host) => new()
    {
        TargetHost = _settings.ServerName ?? host,
        EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
        RemoteCertificateValidationCallback = Validate,
    };

    /// <summary>The same rules for HttpClient (health probes).</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (!_settings.Verify) return true;
        if (_trusted is null) return errors == SslPolicyErrors.None;
        // A private CA: the name must match, and the chain must end in one of the configured roots.
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0 ||
            certificate is null)
            return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
            foreach (var element in chain.ChainElements)
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        return custom.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    }
}
