using System.Net;
using Proxy.Shared.Configuration;
using Proxy.Shared.Security;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange.Filters;

/// <summary>
/// E7: a route's <c>access { allow, deny, trusted-proxies }</c>. The client is the connection's peer, or — when the
/// peer is a trusted proxy — the last address in <c>X-Forwarded-For</c> that is not itself trusted (so a client cannot
/// choose its address by sending the field). A denied address, or one outside a non-empty allow list, is answered 403.
/// </summary>
public sealed class AccessControlFilter(AccessSettings settings) : IRequestFilter
{
    private readonly AddressList _allow = AddressList.Create(settings.Allow);
    private readonly AddressList _deny = AddressList.Create(settings.Deny);
    private readonly AddressList _trusted = AddressList.Create(settings.TrustedProxies);

    public ValueTask<FilterVerdict> OnRequestAsync(IExchange exchange)
    {
        var client = ClientAddress(exchange);
        var allowed = client is not null && !_deny.Contains(client) && (_allow.IsEmpty || _allow.Contains(client));
        return ValueTask.FromResult(allowed ? FilterVerdict.Continue : FilterVerdict.Respond(ProxyError.ClientNotAllowed));
    }

    /// <summary>The address the decision is about; null when it cannot be told (then nothing is allowed).</summary>
    public IPAddress? ClientAddress(IExchange exchange)
    {
        if (!IPAddress.TryParse(exchange.Client, out var peer)) return null;
        if (_trusted.IsEmpty || !_trusted.Contains(peer)) return peer;
        var headers = exchange.Request!.Headers;
        var client = peer;
        // Field lines are one list (RFC 9110 §5.3): walk every element from the last line's last element backwards.
        for (var line = LastIndexOf(headers, headers.Count); line >= 0; line = LastIndexOf(headers, line))
        {
            var elements = headers[line].Value.Split(',');
            for (var i = elements.Length - 1; i >= 0; i--)
            {
                if (!IPAddress.TryParse(elements[i].Trim(), out var hop)) return null; // a garbled chain proves nothing
                client = hop;
                if (!_trusted.Contains(hop)) return client;
            }
        }
        return client;
    }

    private static int LastIndexOf(Shared.Http.HttpHeaderList headers, int before)
    {
        for (var i = before - 1; i >= 0; i--)
            if (headers[i].Key.Equals("X-Forwarded-For", StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}
