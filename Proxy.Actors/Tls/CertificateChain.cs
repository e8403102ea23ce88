using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Proxy.Shared.Configuration;

namespace Proxy.Actors.Tls;

/// <summary>
/// E1: the certificates a TLS listener sends after its leaf, as the PEM files hold them (what every ACME client
/// and public CA writes as <c>fullchain.pem</c>): every certificate after the first in the cert file, then any in
/// the key file, in order. They must link: each one issued the one before it, checked offline (no download, no
/// system store); otherwise the files are refused with <see cref="CertificateChainException"/>, naming the file.
/// </summary>
public static class CertificateChain
{
    /// <param name="certText">The cert file's PEM text; <paramref name="keyText"/> the key file's.</param>
    public static X509Certificate2Collection Read(CertificateSettings settings, X509Certificate2 leaf, string certText, string keyText)
    {
        var chain = new X509Certificate2Collection();
        var inCert = new X509Certificate2Collection();
        inCert.ImportFromPem(certText);
        foreach (var c in inCert.Skip(1)) chain.Add(c);
        if (!string.Equals(settings.Key, settings.Cert, StringComparison.Ordinal))
        {
            var inKey = new X509Certificate2Collection();
            inKey.ImportFromPem(keyText); // a key file holds no certificate as a rule; some tools add the chain
            foreach (var c in inKey)
                if (c.Thumbprint != leaf.Thumbprint && chain.All(x => x.Thumbprint != c.Thumbprint)) chain.Add(c);
        }
        CheckLinks(settings.Cert, leaf, chain);
        return chain;
    }

    /// <summary>The private key block of a key file's text (which may also hold certificates, after or before the key).</summary>
    public static string KeyBlock(string keyText, string keyFile)
    {
        var rest = keyText.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            if (label.EndsWith("PRIVATE KEY", StringComparison.Ordinal)) return rest[fields.Location].ToString();
            rest = rest[fields.Location.End..];
        }
        throw new CryptographicException($"{keyFile}: no PEM private key (BEGIN PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY) found");
    }

    /// <summary>Builds the leaf's chain from the given certificates alone and requires it to use all of them, in
    /// the order given (a trust anchor at the end may be left out by the builder).</summary>
    private static void CheckLinks(string file, X509Certificate2 leaf, X509Certificate2Collection given)
    {
        if (given.Count == 0) return;
        using var builder = new X509Chain();
        builder.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        builder.ChainPolicy.ExtraStore.AddRange(given);
        builder.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        builder.ChainPolicy.DisableCertificateDownloads = true;
        builder.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority | X509VerificationFlags.IgnoreNotTimeValid;
        builder.Build(leaf);
        var built = builder.ChainElements.Select(e => e.Certificate.Thumbprint).Skip(1).ToList();
        for (var i = 0; i < given.Count; i++)
        {
            var expectedIssuerOf = i == 0 ? leaf : given[i - 1];
            if (i < built.Count && built[i] == given[i].Thumbprint) continue;
            var position = i + 2;
            throw new CertificateChainException(file, built.Contains(given[i].Thumbprint)
                ? $"certificate {position} ({given[i].Subject}) is not the issuer of the one before it ({expectedIssuerOf.Subject}): " +
                  "order the file leaf first, each certificate followed by its issuer"
                : $"certificate {position} ({given[i].Subject}) did not issue {expectedIssuerOf.Subject}: it does not belong to this chain");
        }
    }
}

/// <summary>A certificate file whose chain does not link; the message names the file and the certificate.</summary>
public sealed class CertificateChainException(string file, string problem) : CryptographicException($"{file}: {problem}")
{
    public string File { get; } = file;
}
