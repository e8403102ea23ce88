namespace Proxy.Shared.Configuration;

/// <summary>E1, a listener's <c>tls { certificates = [ … ] }</c>: terminate TLS 1.2+ with certificates chosen by SNI.</summary>
public sealed record TlsSettings
{
    /// <summary>The first is the default (no SNI, or a name no certificate covers).</summary>
    public IReadOnlyList<CertificateSettings> Certificates { get; init; } = [];
    /// <summary>How often the PEM files are checked for changes (new handshakes get the new certificate).</summary>
    public TimeSpan ReloadInterval { get; init; } = TimeSpan.FromSeconds(2);

    public bool Equals(TlsSettings? other) =>
        other is not null && Certificates.SequenceEqual(other.Certificates) && ReloadInterval == other.ReloadInterval;

    public override int GetHashCode() => HashCode.Combine(Certificates.Count, ReloadInterval);
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
