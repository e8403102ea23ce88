using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Proxy.Shared.Configuration;

namespace Proxy.Actors.Tls;

/// <summary>
/// E1: a TLS listener's certificates, chosen per handshake by SNI: an exact name, then a wildcard
/// (<c>*.example.com</c> covers one label), then the first certificate as the default. PEM files are checked
/// every <see cref="TlsSettings.ReloadInterval"/>; a changed pair is loaded and swapped in atomically, so new
/// handshakes get it while open connections keep the one they negotiated. A pair that fails to load keeps the
/// previous certificate (and is logged), so a half-written file never takes the listener down. Every certificate
/// after the leaf in the cert file (and any in the key file) is sent with it, in order (<see cref="CertificateChain"/>).
/// </summary>
public sealed class CertificateStore : IDisposable
{
    private volatile ILoggingAdapter? _logger;
    private readonly Timer _timer;
    private volatile Snapshot _current;

    private sealed record Loaded(CertificateSettings Settings, SslStreamCertificateContext Context, X509Certificate2 Certificate,
        IReadOnlyList<string> Names, DateTime CertWritten, DateTime KeyWritten);

    private sealed record Snapshot(IReadOnlyList<Loaded> Certificates, IReadOnlyDictionary<string, Loaded> Exact,
        IReadOnlyDictionary<string, Loaded> Wildcards);

    /// <summary>Loads every certificate now: a missing or invalid pair fails here, when the node starts.</summary>
    public CertificateStore(TlsSettings settings)
    {
        _current = Build(settings.Certificates.Select(c => Load(c)).ToList());
        _timer = new Timer(_ => Reload(), null, settings.ReloadInterval, settings.ReloadInterval);
    }

    /// <summary>Where reloads are reported (the listener's log, once its actor runs).</summary>
    public void AttachLog(ILoggingAdapter logger) => _logger = logger;

    /// <summary>The certificate for a handshake's server name (null or unknown: the default).</summary>
    public SslStreamCertificateContext Select(string? serverName)
    {
        var snapshot = _current;
        if (!string.IsNullOrEmpty(serverName))
        {
            var name = serverName.TrimEnd('.').ToLowerInvariant();
            if (snapshot.Exact.TryGetValue(name, out var exact)) return exact.Context;
            var dot = name.IndexOf('.');
            if (dot > 0 && snapshot.Wildcards.TryGetValue(name[(dot + 1)..], out var wildcard)) return wildcard.Context;
        }
        return snapshot.Certificates[0].Context;
    }

    /// <summary>Checks the files now (the timer does this periodically).</summary>
    public void Reload()
    {
        var snapshot = _current;
        var changed = false;
        var next = new List<Loaded>(snapshot.Certificates.Count);
        foreach (var loaded in snapshot.Certificates)
        {
            var settings = loaded.Settings;
            DateTime certWritten, keyWritten;
            try
            {
                certWritten = File.GetLastWriteTimeUtc(settings.Cert);
                keyWritten = File.GetLastWriteTimeUtc(settings.Key);
            }
            catch (Exception)
            {
                next.Add(loaded);
                continue;
            }
            if (certWritten == loaded.CertWritten && keyWritten == loaded.KeyWritten)
            {
                next.Add(loaded);
                continue;
            }
            try
            {
                var fresh = Load(settings);
                next.Add(fresh);
                changed = true;
                _logger?.Info("TLS certificate {0} reloaded: {1}, valid until {2:u}", settings.Cert,
                    fresh.Certificate.Subject, fresh.Certificate.NotAfter.ToUniversalTime());
            }
            catch (Exception e)
            {
                // Keep serving the previous certificate; try again at the next check (the files may be mid-write).
                next.Add(loaded with { CertWritten = certWritten, KeyWritten = keyWritten });
                _logger?.Warning("TLS certificate {0} changed but could not be loaded ({1}); keeping the previous one",
                    settings.Cert, e.Message);
            }
        }
        if (changed) _current = Build(next);
        else if (!ReferenceEquals(next, snapshot.Certificates)) _current = snapshot with { Certificates = next };
    }

    private static Loaded Load(CertificateSettings settings)
    {
        var certWritten = File.GetLastWriteTimeUtc(settings.Cert);
        var keyWritten = File.GetLastWriteTimeUtc(settings.Key);
        // Each file is read once: the leaf and its key, then the chain, come from the same text.
        var certText = File.ReadAllText(settings.Cert);
        var keyText = settings.Key == settings.Cert ? certText : File.ReadAllText(settings.Key);
        var certificate = X509Certificate2.CreateFromPem(certText, CertificateChain.KeyBlock(keyText, settings.Key));
        var chain = CertificateChain.Read(settings, certificate, certText, keyText);
        var names = settings.Names.Count > 0 ? settings.Names : NamesOf(certificate);
        // Offline: the chain is what the files hold; nothing is downloaded (AIA) or taken from the user store, so the
        // same files give the same handshake on every host.
        var context = SslStreamCertificateContext.Create(certificate, chain, offline: true);
        return new Loaded(settings, context, certificate, names.Select(n => n.TrimEnd('.').ToLowerInvariant()).ToList(),
            certWritten, keyWritten);
    }

    private static IReadOnlyList<string> NamesOf(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
            if (extension is X509SubjectAlternativeNameExtension san) names.AddRange(san.EnumerateDnsNames());
        var cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (!string.IsNullOrEmpty(cn)) names.Add(cn);
        return names;
    }

    private static Snapshot Build(IReadOnlyList<Loaded> certificates)
    {
        var exact = new Dictionary<string, Loaded>(StringComparer.Ordinal);
        var wildcards = new Dictionary<string, Loaded>(StringComparer.Ordinal);
        // Earlier certificates win a name claimed twice, as they win the default.
        foreach (var loaded in certificates)
        foreach (var name in loaded.Names)
        {
            if (name.StartsWith("*.", StringComparison.Ordinal)) wildcards.TryAdd(name[2..], loaded);
            else exact.TryAdd(name, loaded);
        }
        return new Snapshot(certificates, exact, wildcards);
    }

    public void Dispose() => _timer.Dispose();
}
