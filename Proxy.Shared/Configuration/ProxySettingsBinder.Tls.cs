using System.Net.Security;

namespace Proxy.Shared.Configuration;

/// <summary>A listener's <c>tls { … }</c> block (E1).</summary>
internal sealed partial class ProxySettingsBinder
{
    private static readonly (string Name, TlsVersion Version)[] TlsVersions = [("1.2", TlsVersion.Tls12), ("1.3", TlsVersion.Tls13)];

    private TlsSettings? BindTls(HoconObjectReader listener)
    {
        var r = listener.Object("tls", "{ certificates = [ { cert = \"site.crt.pem\", key = \"site.key.pem\" } ] }");
        if (r is null) return null;
        var certificates = new List<CertificateSettings>();
        if (r.List("certificates") is { } items)
        {
            for (var i = 0; i < items.Count; i++)
            {
                var path = $"{r.PathOf("certificates")}[{i}]";
                var c = HoconObjectReader.For(items[i], path, problems, "{ cert = \"site.crt.pem\", key = \"site.key.pem\", names = [ \"example.com\" ] }");
                if (c is null)
                {
                    certificates.Add(new CertificateSettings { Cert = "", Key = "" });
                    continue;
                }
                certificates.Add(new CertificateSettings
                {
                    Cert = c.String("cert") ?? "",
                    Key = c.String("key") ?? "",
                    Names = c.StringOrList("names") ?? [],
                });
                c.ReportUnknownKeys();
            }
        }
        var defaults = new TlsSettings();
        var settings = new TlsSettings
        {
            Certificates = certificates,
            ReloadInterval = r.Duration("reload-interval") ?? defaults.ReloadInterval,
            MinVersion = Choice(r, "min-version", TlsVersions) ?? defaults.MinVersion,
            CipherSuites = BindCipherSuites(r) ?? defaults.CipherSuites,
            SessionTickets = r.Switch("session-tickets") ?? defaults.SessionTickets,
            HandshakeTimeout = r.Duration("handshake-timeout") ?? defaults.HandshakeTimeout,
        };
        r.ReportUnknownKeys();
        return settings;
    }

    /// <summary>IANA names (<c>TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256</c>), as .NET and the RFCs name them; which of them
    /// are allowed is the validator's rule.</summary>
    private List<TlsCipherSuite>? BindCipherSuites(HoconObjectReader r)
    {
        if (r.StringOrList("cipher-suites") is not { } names) return null;
        var suites = new List<TlsCipherSuite>(names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i].Trim();
            if (name.Length > 0 && !char.IsAsciiDigit(name[0]) && Enum.TryParse<TlsCipherSuite>(name, ignoreCase: true, out var suite)
                && Enum.IsDefined(suite))
            {
                suites.Add(suite);
                continue;
            }
            var hint = name.Contains('-') && !name.StartsWith("TLS_", StringComparison.OrdinalIgnoreCase)
                ? " (that looks like an OpenSSL name; write the IANA one, e.g. ECDHE-RSA-AES128-GCM-SHA256 is TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)"
                : " (IANA names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)";
            problems.Add(new ConfigProblem($"{r.PathOf("cipher-suites")}[{i}]", $"unknown cipher suite '{name}'{hint}"));
        }
        return suites;
    }
}
