using System.Diagnostics.CodeAnalysis;
using System.Text;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;

namespace Proxy.Shared.Forwarding;

/// <summary>
/// An upstream HTTP proxy named by <c>X-Proxy-To: [http://][user:pass@]host:port</c> (X1). Credentials are
/// percent-decoded; <see cref="Display"/> (<c>user:***@host:port</c>) is the only form that may reach logs,
/// metrics or error bodies, and <see cref="ToString"/> returns it.
/// </summary>
public sealed class UpstreamProxy
{
    private UpstreamProxy(string host, int port, string? user, string? password)
    {
        Host = host;
        Port = port;
        User = user;
        Password = password;
        Authority = new HostPort(host, port).ToString();
        Display = user is null ? Authority : $"{user}:***@{Authority}";
        ProxyAuthorization = user is null
            ? null
            : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
        // Connections are pooled per host, port and credentials; the key holds no readable secret.
        PoolKey = ProxyAuthorization is null
            ? Authority
            : Authority + "#" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(ProxyAuthorization)));
    }

    public string Host { get; }
    public int Port { get; }
    public string? User { get; }
    public string? Password { get; }
    /// <summary><c>host:port</c> (IPv6 in brackets).</summary>
    public string Authority { get; }
    /// <summary><c>user:***@host:port</c>, or <c>host:port</c> without credentials: safe to log.</summary>
    public string Display { get; }
    /// <summary>The <c>Proxy-Authorization</c> value to send, null without credentials.</summary>
    public string? ProxyAuthorization { get; }
    public string PoolKey { get; }

    public override string ToString() => Display;

    /// <summary>
    /// Whether an answer of this proxy means it refused our credentials (or wants some): 407; or a 401 the proxy
    /// made itself, which has no <c>Via</c>, with Proxy-Authenticate or in answer to credentials (tinyproxy answers
    /// wrong credentials with 401 and WWW-Authenticate). A forwarding proxy adds <c>Via</c> to what it relays
    /// (RFC 9110 §7.6.3), so a 401 that carries one is the origin's and goes to the client unchanged.
    /// </summary>
    public bool RefusedCredentials(HttpResponseHead head) =>
        head.Status == 407 ||
        head.Status == 401 && !head.Headers.Contains("Via") &&
        (head.Headers.Contains("Proxy-Authenticate") || ProxyAuthorization is not null);

    /// <summary>Parses a header or config value strictly; <paramref name="error"/> says what is wrong and never
    /// repeats the password.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out UpstreamProxy? proxy, [NotNullWhen(false)] out string? error)
    {
        proxy = null;
        var text = value?.Trim() ?? "";
        if (text.Length == 0)
        {
            error = "is empty (expected [http://][user:pass@]host:port)";
            return false;
        }
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            var scheme = text[..schemeEnd];
            if (!scheme.Equals("http", StringComparison.OrdinalIgnoreCase))
            {
                error = scheme.Length == 0 || scheme.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
                    ? "has an invalid scheme (only http:// is supported)"
                    : $"has scheme '{scheme}'; only http:// upstream proxies are supported";
                return false;
            }
            text = text[(schemeEnd + 3)..];
        }
        if (text.EndsWith('/')) text = text[..^1];
        if (text.IndexOfAny(['/', '?', '#']) >= 0)
        {
            error = "must be host:port without a path, query or fragment";
            return false;
        }

        string? user = null, password = null;
        var at = text.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = text[..at];
            text = text[(at + 1)..];
            var colon = userInfo.IndexOf(':');
            if (colon < 0)
            {
                error = "has credentials without a password (expected user:password@host:port)";
                return false;
            }
            if (!TryDecode(userInfo[..colon], out user) || !TryDecode(userInfo[(colon + 1)..], out password))
            {
                error = "has credentials that are not valid percent-encoding";
                return false;
            }
            if (user.Length == 0)
            {
                error = "has an empty user name";
                return false;
            }
            if (user.Contains(':'))
            {
                error = "has a user name containing ':' (not allowed in Basic credentials)";
                return false;
            }
            if (user.Any(char.IsControl) || password.Any(char.IsControl))
            {
                error = "has credentials containing control characters";
                return false;
            }
        }

        if (text.Length == 0)
        {
            error = "has no host";
            return false;
        }
        if (!HostPort.TryParse(text, 1, out var hostPort, out var hostError) || text.EndsWith(':'))
        {
            error = hostError is null ? "needs a port from 1 to 65535" : "has an invalid host:port: " + hostError;
            return false;
        }
        if (!HostSyntax.IsValidAuthority(text, requirePort: true))
        {
            error = "has an invalid host name";
            return false;
        }
        proxy = new UpstreamProxy(hostPort.Host, hostPort.Port, user, password);
        error = null;
        return true;
    }

    private static bool TryDecode(string encoded, [NotNullWhen(true)] out string? decoded)
    {
        decoded = null;
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] != '%') continue;
            if (i + 2 >= encoded.Length || !char.IsAsciiHexDigit(encoded[i + 1]) || !char.IsAsciiHexDigit(encoded[i + 2])) return false;
        }
        try
        {
            decoded = Uri.UnescapeDataString(encoded);
            return true;
        }
        catch (UriFormatException)
        {
            return false;
        }
    }
}
