using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Proxy.Shared.Security;

/// <summary>A list of CIDRs and single addresses (<c>10.0.0.0/8</c>, <c>192.0.2.7</c>, <c>fd00::/8</c>) that an address
/// is tested against; IPv4 addresses written as IPv6 (<c>::ffff:10.1.2.3</c>) are tested as IPv4.</summary>
public sealed class AddressList
{
    private readonly IPNetwork[] _networks;

    private AddressList(IPNetwork[] networks) => _networks = networks;

    public static AddressList Empty { get; } = new([]);

    public bool IsEmpty => _networks.Length == 0;

    /// <summary>The list of <paramref name="entries"/>; every entry must parse (<see cref="TryParseNetwork"/>).</summary>
    public static AddressList Create(IEnumerable<string> entries)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in entries)
        {
            if (!TryParseNetwork(entry, out var network, out var error)) throw new ArgumentException(error ?? $"'{entry}' is not an address or CIDR");
            networks.Add(network);
        }
        return new AddressList([.. networks]);
    }

    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var network in _networks)
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address)) return true;
        return false;
    }

    /// <summary>A CIDR (host bits zero: <c>10.0.0.1/8</c> is a typo more often than a wish for <c>10.0.0.0/8</c>) or a
    /// single address. False with <paramref name="error"/> null when the text is neither (it may be a host name).</summary>
    public static bool TryParseNetwork(string entry, out IPNetwork network, out string? error)
    {
        var text = entry.Trim();
        network = default;
        error = null;
        if (text.Contains('/'))
        {
            if (IPNetwork.TryParse(text, out var parsed) && IPAddress.TryParse(text[..text.IndexOf('/')], out var given) &&
                parsed.BaseAddress.Equals(given))
            {
                network = parsed;
                return true;
            }
            error = $"'{text}' is not a valid CIDR (expected e.g. 10.0.0.0/8 or fd00::/8, with the host bits zero)";
            return false;
        }
        if (!IPAddress.TryParse(text.Trim('[', ']'), out var address)) return false;
        network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }

    /// <summary>For config validation: why <paramref name="entry"/> is not an address or CIDR, or null.</summary>
    public static bool IsValidEntry(string entry, [NotNullWhen(false)] out string? error)
    {
        if (TryParseNetwork(entry, out _, out error)) return true;
        error ??= $"'{entry.Trim()}' is not an address or a CIDR (expected e.g. 10.0.0.0/8, 192.0.2.7 or fd00::/8)";
        return false;
    }
}
