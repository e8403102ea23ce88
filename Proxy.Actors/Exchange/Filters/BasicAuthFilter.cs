using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;
using Proxy.Shared.Security;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange.Filters;

/// <summary>
/// E7: <c>auth { basic { realm, users-file } }</c> (RFC 7617). Without valid credentials: 401 with
/// <c>WWW-Authenticate: Basic realm="…", charset="UTF-8"</c>. PBKDF2 is slow on purpose, so it runs on the thread pool
/// (the connection goes on with other work meanwhile) and a verified name and password are remembered — as a keyed
/// hash, never in clear — until the users file changes. The credentials do not go upstream.
/// </summary>
public sealed class BasicAuthFilter : IRequestFilter, IUpstreamRequestFilter
{
    /// <summary>Remembered credentials beyond this are forgotten all at once (a bound, not a cache policy).</summary>
    private const int MaxRemembered = 4096;

    private readonly ReloadingFile<BasicUsersFile> _users;
    private readonly HttpHeaderList _challenge;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, BasicUsersFile> _verified = new(StringComparer.Ordinal);

    public BasicAuthFilter(BasicAuthSettings settings, ReloadingFile<BasicUsersFile> users)
    {
        _users = users;
        _challenge = new HttpHeaderList(1);
        _challenge.Add("WWW-Authenticate", $"Basic realm=\"{settings.Realm}\", charset=\"UTF-8\"");
    }

    public ValueTask<FilterVerdict> OnRequestAsync(IExchange exchange)
    {
        if (!TryCredentials(exchange.Request!.Headers, out var name, out var password)) return Refuse();
        var users = _users.Current;
        var remembered = Fingerprint(name, password);
        // Remembered for the users file they were verified against: a changed file verifies again.
        if (_verified.TryGetValue(remembered, out var against) && ReferenceEquals(against, users))
            return ValueTask.FromResult(FilterVerdict.Continue);
        return new ValueTask<FilterVerdict>(Task.Run(() =>
        {
            if (!users.Verify(name, password)) return Refusal();
            if (_verified.Count >= MaxRemembered) _verified.Clear();
            _verified[remembered] = users;
            return FilterVerdict.Continue;
        }));
    }

    public void OnUpstreamRequest(IExchange exchange, HttpRequestHead head) => head.Headers.Remove("Authorization");

    private ValueTask<FilterVerdict> Refuse() => ValueTask.FromResult(Refusal());

    private FilterVerdict Refusal() => FilterVerdict.Respond(ProxyError.CredentialsRequired, headers: _challenge);

    /// <summary><c>Authorization: Basic base64(name:password)</c>, exactly one field, UTF-8.</summary>
    private static bool TryCredentials(HttpHeaderList headers, out string name, out string password)
    {
        name = password = "";
        var index = headers.IndexOf("Authorization", 0);
        if (index < 0 || headers.IndexOf("Authorization", index + 1) >= 0) return false;
        var value = headers[index].Value.AsSpan().Trim();
        if (value.Length < 6 || !value[..6].Equals("Basic ", StringComparison.OrdinalIgnoreCase)) return false;
        var encoded = value[6..].Trim();
        var bytes = new byte[encoded.Length];
        if (!Convert.TryFromBase64Chars(encoded, bytes, out var written)) return false;
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, written);
        }
        catch (ArgumentException)
        {
            return false;
        }
        var colon = text.IndexOf(':');
        if (colon <= 0) return false;
        name = text[..colon];
        password = text[(colon + 1)..];
        return true;
    }

    private string Fingerprint(string name, string password) =>
        Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(name + "\n" + password)));
}
