using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Proxy.Tests.Integration.Support;

/// <summary>Self-signed certificates written as PEM files (cert + key) into a temp directory, for TLS specs.</summary>
public static class TestCertificates
{
    public sealed record Pem(string CertPath, string KeyPath, X509Certificate2 Certificate);

    /// <summary>Creates (or overwrites) <paramref name="fileStem"/>.crt.pem / .key.pem for <paramref name="names"/>.</summary>
    public static Pem Write(string directory, string fileStem, params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names) san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(directory, fileStem + ".crt.pem");
        var keyPath = Path.Combine(directory, fileStem + ".key.pem");
        // Write to temp files and move, so a reload never sees a half-written pair.
        File.WriteAllText(keyPath + ".tmp", key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPath + ".tmp", certificate.ExportCertificatePem());
        File.Move(keyPath + ".tmp", keyPath, overwrite: true);
        File.Move(certPath + ".tmp", certPath, overwrite: true);
        return new Pem(certPath, keyPath, certificate);
    }
}
