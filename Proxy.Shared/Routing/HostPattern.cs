using System.Diagnostics.CodeAnalysis;
using Proxy.Shared.Http;

namespace Proxy.Shared.Routing;

/// <summary>
/// One <c>match.host</c> entry: an exact host or <c>*.domain</c> (any deeper subdomain, not the apex), with an
/// optional port. Without a port it matches the host on any port; with one, only an authority that names that port
/// (as Envoy's virtual-host domains do: <c>Host: api.example.com</c> does not match <c>api.example.com:80</c>).
/// </summary>
public sealed class HostPattern
{
    private HostPattern(string? exact, string? suffix, string? port)
    {
        Exact = exact;
        Suffix = suffix;
        Port = port;
    }

    /// <summary>Lower-case host for an exact pattern; null for a wildcard.</summary>
    public string? Exact { get; }

    /// <summary>".example.com" for "*.example.com"; null for an exact pattern.</summary>
    public string? Suffix { get; }

    /// <summary>The port the authority must name, without leading zeros; null = any port.</summary>
    public string? Port { get; }

    public bool Matches(string host, string authority)
    {
        if (Exact is not null ? !string.Equals(host, Exact, StringComparison.Ordinal)
            : host.Length <= Suffix!.Length || !host.EndsWith(Suffix, StringComparison.Ordinal)) return false;
        return Port is null || PortEquals(HostSyntax.PortOf(authority), Port);
    }

    private static bool PortEquals(ReadOnlySpan<char> sent, string port)
    {
        sent = sent.TrimStart('0');
        return sent.SequenceEqual(port);
    }

    public static bool TryParse(string text, [NotNullWhen(true)] out HostPattern? pattern, [NotNullWhen(false)] out string? error)
    {
        pattern = null;
        var wildcard = text.StartsWith("*.", StringComparison.Ordinal);
        var authority = wildcard ? "x" + text[1..] : text; // validate "*.a.b:80" as "x.a.b:80"
        if (text.Length == 0 || (!wildcard && text.Contains('*')) || (wildcard && text[2..].Contains('*'))
            || !HostSyntax.IsValidAuthority(authority, requirePort: false) || authority.EndsWith(':'))
        {
            error = $"expected a host, '*.example.com' or either with a port (api.example.com:8080), got '{text}'";
            return false;
        }
        var host = HostSyntax.HostWithoutPort(authority);
        var port = HostSyntax.PortOf(authority);
        var portText = port.IsEmpty ? null : port.TrimStart('0').ToString();
        pattern = wildcard ? new HostPattern(null, host[1..], portText) : new HostPattern(host, null, portText);
        error = null;
        return true;
    }
}
