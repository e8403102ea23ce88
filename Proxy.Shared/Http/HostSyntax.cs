namespace Proxy.Shared.Http;

/// <summary>Validation and splitting of <c>host[:port]</c> authorities (RFC 3986 §3.2.2).</summary>
public static class HostSyntax
{
    /// <summary>reg-name, IPv4 or [IPv6] with an optional (or required) port; no userinfo, path or spaces.</summary>
    public static bool IsValidAuthority(ReadOnlySpan<char> authority, bool requirePort)
    {
        if (authority.IsEmpty) return false;
        ReadOnlySpan<char> host;
        ReadOnlySpan<char> port = default;
        var hasPort = false;
        if (authority[0] == '[')
        {
            var close = authority.IndexOf(']');
            if (close < 2) return false;
            host = authority[1..close];
            foreach (var c in host)
                if (!(char.IsAsciiHexDigit(c) || c == ':' || c == '.')) return false;
            var rest = authority[(close + 1)..];
            if (!rest.IsEmpty)
            {
                if (rest[0] != ':') return false;
                port = rest[1..];
                hasPort = true;
            }
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            if (colon >= 0)
            {
                host = authority[..colon];
                port = authority[(colon + 1)..];
                hasPort = true;
            }
            else host = authority;
            if (host.IsEmpty) return false;
            foreach (var c in host)
            {
                if (char.IsAsciiLetterOrDigit(c)) continue;
                if (c is '-' or '.' or '_' or '~' or '%' or '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=') continue;
                return false;
            }
        }
        if (!hasPort) return !requirePort;
        if (port.IsEmpty) return !requirePort;
        if (port.Length > 5) return false;
        var value = 0;
        foreach (var c in port)
        {
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        return value is > 0 and <= 65535;
    }

    /// <summary>The port part of <c>host:port</c> or <c>[v6]:port</c> as written; empty when there is none.</summary>
    public static ReadOnlySpan<char> PortOf(string authority)
    {
        var colon = authority.LastIndexOf(':');
        if (colon < 0 || authority.IndexOf(']', colon) >= 0 || (authority.StartsWith('[') && authority.LastIndexOf(']') < 0))
            return [];
        return authority.AsSpan(colon + 1);
    }

    /// <summary>The host part, lower-cased, without port or IPv6 brackets' port.</summary>
    public static string HostWithoutPort(string authority)
    {
        if (authority.Length == 0) return authority;
        string host;
        if (authority[0] == '[')
        {
            var close = authority.IndexOf(']');
            host = close < 0 ? authority : authority[..(close + 1)];
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
        }
        foreach (var c in host)
            if (char.IsAsciiLetterUpper(c))
                return host.ToLowerInvariant();
        return host;
    }
}
