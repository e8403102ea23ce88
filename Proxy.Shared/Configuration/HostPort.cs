using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Proxy.Shared.Configuration;

/// <summary>A parsed <c>host:port</c> address. IPv6 hosts are written in brackets (<c>[::1]:8080</c>) and kept
/// without them in <see cref="Host"/>.</summary>
public readonly record struct HostPort(string Host, int Port)
{
    public override string ToString() =>
        Host.Contains(':') ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}" : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses <paramref name="text"/>; <paramref name="minPort"/> is 0 for listen addresses (the OS
    /// chooses) and 1 for addresses we connect to.</summary>
    public static bool TryParse(string? text, int minPort, out HostPort result, [NotNullWhen(false)] out string? error)
    {
        result = default;
        var s = text?.Trim() ?? "";
        if (s.Length == 0)
        {
            error = "address is empty (expected host:port)";
            return false;
        }

        string host;
        string portText;
        if (s[0] == '[')
        {
            var close = s.IndexOf(']');
            if (close < 0 || close + 1 >= s.Length || s[close + 1] != ':')
            {
                error = $"expected [ipv6]:port, got '{s}'";
                return false;
            }
            host = s[1..close];
            portText = s[(close + 2)..];
        }
        else
        {
            var colon = s.LastIndexOf(':');
            if (colon < 0)
            {
                error = $"expected host:port, got '{s}'";
                return false;
            }
            host = s[..colon];
            portText = s[(colon + 1)..];
            if (host.Contains(':'))
            {
                error = $"IPv6 addresses must be in brackets, like [::1]:8080; got '{s}'";
                return false;
            }
        }

        if (host.Length == 0 || host.Any(char.IsWhiteSpace) || host.Contains('/'))
        {
            error = $"expected host:port, got '{s}'";
            return false;
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port < minPort || port > 65535)
        {
            error = $"port must be a number from {minPort} to 65535, got '{portText}'";
            return false;
        }

        result = new HostPort(host, port);
        error = null;
        return true;
    }
}
