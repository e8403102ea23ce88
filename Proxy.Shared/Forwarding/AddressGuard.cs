using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Proxy.Shared.Forwarding;

/// <summary>
/// X3: which targets (or upstream proxies) a forward listener may reach. Entries are CIDRs or single
/// addresses (<c>10.0.0.0/8</c>, <c>::1</c>) and host patterns (<c>api.example.com</c>, <c>*.example.com</c>
/// for any subdomain, <c>*</c> for every name). Decision, in order: an allow entry that matches → allowed; a
/// deny entry that matches → denied; a loopback, private, link-local, shared (CGNAT), unspecified,
/// multicast or reserved address → denied; anything else → allowed. So <c>allow = ["127.0.0.0/8"]</c> lifts
/// the built-in deny for loopback, and <c>deny = ["*", "0.0.0.0/0", "::/0"]</c> with an allow list admits only
/// that list. A name is checked as a name and each address it resolves to is checked as an address: every
/// one must pass (a name cannot smuggle a private address past the guard).
/// </summary>
public sealed class AddressGuard
{
    private static readonly IPNetwork[] BuiltInDenied =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    private readonly Rules _allow;
    private readonly Rules _deny;

    private AddressGuard(Rules allow, Rules deny)
    {
        _allow = allow;
        _deny = deny;
    }

    /// <summary>The guard with no allow or deny entries: only the built-in deny of non-public addresses.</summary>
    public static AddressGuard Default { get; } = new(Rules.Empty, Rules.Empty);

    public static AddressGuard Create(IEnumerable<string> allow, IEnumerable<string> deny)
    {
        if (!Rules.TryParse(allow, out var a, out var error) || !Rules.TryParse(deny, out var d, out error))
            throw new ArgumentException(error);
        return new AddressGuard(a, d);
    }

    /// <summary>Checks one list entry (for config validation): a CIDR, an address or a host pattern.</summary>
    public static bool IsValidEntry(string entry, [NotNullWhen(false)] out string? error) => Rules.TryParseEntry(entry, out _, out _, out error);

    /// <summary>
    /// A name or address literal as given (before resolution). The host is normalized first (brackets, case, one
    /// trailing dot). An address literal in any form the address parser accepts (<c>127.1</c>, <c>2130706433</c>,
    /// <c>0x7f.0.0.1</c>, <c>0177.0.0.1</c>, <c>::ffff:127.0.0.1</c>) is checked as that address; <c>localhost</c>
    /// and every name under <c>.localhost</c> are loopback (RFC 6761 §6.3) and checked as 127.0.0.1 and ::1, unless
    /// the name itself is allowed. Other names are checked as names: what they resolve to is checked where this node
    /// resolves them (<see cref="Allows"/>); a name only an upstream proxy resolves is beyond this check.
    /// </summary>
    public bool AllowsName(string host, [NotNullWhen(false)] out string? reason)
    {
        var name = Normalize(host);
        if (IPAddress.TryParse(name, out var literal)) return AllowsAddress(literal, out reason);
        if (_allow.MatchesName(name))
        {
            reason = null;
            return true;
        }
        if (_deny.MatchesName(name))
        {
            reason = $"{host} is denied";
            return false;
        }
        if (IsLoopbackName(name))
        {
            foreach (var loopback in LoopbackAddresses)
            {
                if (AllowsAddress(loopback, out var addressReason)) continue;
                reason = $"{host} is a loopback name (RFC 6761): {addressReason}";
                return false;
            }
        }
        reason = null;
        return true;
    }

    private static readonly IPAddress[] LoopbackAddresses = [IPAddress.Loopback, IPAddress.IPv6Loopback];

    /// <summary>The form a host is compared in: without brackets, in lower case, without one trailing dot
    /// (<c>LocalHost.</c> is <c>localhost</c>, <c>127.0.0.1.</c> is <c>127.0.0.1</c>).</summary>
    public static string Normalize(string host)
    {
        var name = host.Trim().Trim('[', ']').ToLowerInvariant();
        return name.EndsWith('.') ? name[..^1] : name;
    }

    /// <summary><c>localhost</c> and names under it, which resolve to loopback (RFC 6761 §6.3).</summary>
    public static bool IsLoopbackName(string normalized) =>
        normalized == "localhost" || normalized.EndsWith(".localhost", StringComparison.Ordinal);

    /// <summary>True when the host needs DNS to mean an address: not an address literal, not a loopback name.</summary>
    public static bool NeedsResolution(string host)
    {
        var name = Normalize(host);
        return !IPAddress.TryParse(name, out _) && !IsLoopbackName(name);
    }

    /// <summary>A resolved (or literal) address.</summary>
    public bool AllowsAddress(IPAddress address, [NotNullWhen(false)] out string? reason)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (_allow.MatchesAddress(address))
        {
            reason = null;
            return true;
        }
        if (_deny.MatchesAddress(address))
        {
            reason = $"{address} is denied";
            return false;
        }
        foreach (var network in BuiltInDenied)
        {
            if (!network.Contains(address)) continue;
            reason = $"{address} is a loopback, private, link-local or reserved address (allow it explicitly to reach it)";
            return false;
        }
        reason = null;
        return true;
    }

    /// <summary>A name that was resolved: the name and every address must pass.</summary>
    public bool Allows(string host, IReadOnlyList<IPAddress> addresses, [NotNullWhen(false)] out string? reason)
    {
        // An explicitly allowed name is trusted with whatever it resolves to (e.g. an internal service name).
        var name = Normalize(host);
        if (!IPAddress.TryParse(name, out _) && _allow.MatchesName(name))
        {
            reason = null;
            return true;
        }
        if (!AllowsName(host, out reason)) return false;
        foreach (var address in addresses)
        {
            if (AllowsAddress(address, out var addressReason)) continue;
            reason = $"{host} resolves to {addressReason}";
            return false;
        }
        return true;
    }

    private sealed class Rules(IReadOnlyList<IPNetwork> networks, IReadOnlyList<string> exactNames, IReadOnlyList<string> suffixes, bool anyName)
    {
        public static readonly Rules Empty = new([], [], [], false);

        public bool MatchesAddress(IPAddress address)
        {
            foreach (var n in networks)
                if (n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address)) return true;
            return false;
        }

        public bool MatchesName(string name)
        {
            if (anyName) return true;
            foreach (var n in exactNames)
                if (n == name) return true;
            foreach (var s in suffixes)
                if (name.EndsWith(s, StringComparison.Ordinal) && name.Length > s.Length) return true;
            return false;
        }

        public static bool TryParse(IEnumerable<string> entries, [NotNullWhen(true)] out Rules? rules, [NotNullWhen(false)] out string? error)
        {
            var networks = new List<IPNetwork>();
            var exact = new List<string>();
            var suffixes = new List<string>();
            var any = false;
            foreach (var entry in entries)
            {
                if (!TryParseEntry(entry, out var network, out var name, out error))
                {
                    rules = null;
                    return false;
                }
                if (network is { } n) networks.Add(n);
                else if (name == "*") any = true;
                else if (name!.StartsWith("*.", StringComparison.Ordinal)) suffixes.Add(name[1..]);
                else exact.Add(name);
            }
            rules = new Rules(networks, exact, suffixes, any);
            error = null;
            return true;
        }

        public static bool TryParseEntry(string entry, out IPNetwork? network, out string? name, [NotNullWhen(false)] out string? error)
        {
            network = null;
            name = null;
            var text = entry.Trim();
            if (text.Length == 0)
            {
                error = "an entry is empty";
                return false;
            }
            if (Security.AddressList.TryParseNetwork(text, out var parsed, out error))
            {
                network = parsed;
                return true;
            }
            if (error is not null) return false;
            var lower = text.ToLowerInvariant().TrimEnd('.');
            var labels = lower.StartsWith("*.", StringComparison.Ordinal) ? lower[2..] : lower;
            if (lower == "*" || (labels.Length > 0 && labels.Split('.').All(IsLabel)))
            {
                name = lower;
                error = null;
                return true;
            }
            error = $"'{text}' is neither a CIDR, an address nor a host pattern such as *.example.com";
            return false;
        }

        private static bool IsLabel(string label) =>
            label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' &&
            label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_');
    }
}
