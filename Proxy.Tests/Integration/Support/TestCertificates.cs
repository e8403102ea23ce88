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

    /// <summary>A CA (PEM cert at <c>ca.crt.pem</c>) and a server certificate it signed for the names and 127.0.0.1.</summary>
    public static (string CaPath, X509Certificate2 Server) WriteCaAndServer(string directory, params string[] names)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Proxy Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var caPath = Path.Combine(directory, "ca.crt.pem");
        File.WriteAllText(caPath, ca.ExportCertificatePem());

        var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names) san.AddDnsName(name);
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);
        var server = signed.CopyWithPrivateKey(serverKey);
        return (caPath, server);
    }

    /// <summary>A root CA, an intermediate CA it signed, and a leaf the intermediate signed for the names, as a
    /// public CA issues them. <paramref name="fileStem"/>.crt.pem holds the leaf and then <paramref name="after"/>
    /// (default: the intermediate, i.e. a fullchain.pem); the key file holds the leaf's key.</summary>
    public static (Pem Leaf, X509Certificate2 Root, X509Certificate2 Intermediate) WriteChain(string directory, string fileStem,
        Func<X509Certificate2, X509Certificate2, X509Certificate2[]>? after = null, params string[] names)
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Proxy Test Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));

        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest("CN=Proxy Test Intermediate", intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var intermediate = intermediateRequest.Create(root, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), [7, 7, 7])
            .CopyWithPrivateKey(intermediateKey);

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest($"CN={names[0]}", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names) san.AddDnsName(name);
        leafRequest.CertificateExtensions.Add(san.Build());
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var leaf = leafRequest.Create(intermediate, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12),
            RandomNumberGenerator.GetBytes(8));

        var rest = after?.Invoke(intermediate, root) ?? [intermediate];
        var certPath = Path.Combine(directory, fileStem + ".crt.pem");
        var keyPath = Path.Combine(directory, fileStem + ".key.pem");
        File.WriteAllText(keyPath + ".tmp", leafKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPath + ".tmp", string.Concat(new[] { leaf }.Concat(rest).Select(c => c.ExportCertificatePem() + "\n")));
        File.Move(keyPath + ".tmp", keyPath, overwrite: true);
        File.Move(certPath + ".tmp", certPath, overwrite: true);
        return (new Pem(certPath, keyPath, leaf), root, intermediate);
    }
}
