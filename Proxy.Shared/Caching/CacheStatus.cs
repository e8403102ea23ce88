using System.Globalization;
using System.Text;
using Proxy.Shared.Http;

namespace Proxy.Shared.Caching;

/// <summary>
/// Cache-Status field values (RFC 9211): one cache's entry, its name followed by parameters (RFC 9211 §2). The
/// name and <c>detail</c> are written as an sf-token when they are one and as an sf-string otherwise (RFC 8941
/// §3.3.4, §3.3.3; characters outside printable ASCII become '?'); durations are whole seconds, rounded down.
/// </summary>
public static class CacheStatus
{
    private const long MaxInteger = 999_999_999_999_999; // sf-integer range (RFC 8941 §3.3.1)

    /// <summary><c>name; hit; ttl=N</c>: answered from the cache with N seconds of freshness left (§2.1, §2.5).</summary>
    public static string Hit(string cacheName, TimeSpan ttlRemaining)
    {
        var sb = new StringBuilder(cacheName.Length + 16);
        AppendItem(sb, cacheName);
        sb.Append("; hit; ttl=");
        AppendSeconds(sb, ttlRemaining);
        return sb.ToString();
    }

    /// <summary>
    /// <c>name; fwd=reason[; fwd-status=S][; stored][; ttl=N][; detail=D]</c>: the request went forward
    /// (§2.2), the status the next hop answered (§2.3), whether the response was stored (§2.4), its remaining
    /// freshness — negative when a stale response is served (§2.5) — and an implementation-specific detail (§2.8).
    /// </summary>
    public static string Forward(string cacheName, CacheForward reason, bool stored, int? forwardStatus = null, TimeSpan? ttl = null,
        string? detail = null)
    {
        var sb = new StringBuilder(cacheName.Length + 48);
        AppendItem(sb, cacheName);
        sb.Append("; fwd=").Append(ForwardToken(reason));
        if (forwardStatus is { } status) sb.Append("; fwd-status=").Append(status.ToString(CultureInfo.InvariantCulture));
        if (stored) sb.Append("; stored");
        if (ttl is { } t)
        {
            sb.Append("; ttl=");
            AppendSeconds(sb, t);
        }
        if (detail is not null)
        {
            sb.Append("; detail=");
            AppendItem(sb, detail);
        }
        return sb.ToString();
    }

    /// <summary>The <c>fwd</c> token for <paramref name="reason"/> (RFC 9211 §2.2).</summary>
    public static string ForwardToken(CacheForward reason) => reason switch
    {
        CacheForward.UriMiss => "uri-miss",
        CacheForward.VaryMiss => "vary-miss",
        CacheForward.Stale => "stale",
        CacheForward.Request => "request",
        CacheForward.Bypass => "bypass",
        _ => "miss",
    };

    // sf-token = ( ALPHA / "*" ) *( tchar / ":" / "/" ); otherwise an sf-string with '"' and '\' escaped.
    private static void AppendItem(StringBuilder sb, string value)
    {
        if (IsSfToken(value))
        {
            sb.Append(value);
            return;
        }
        sb.Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\') sb.Append('\\').Append(c);
            else sb.Append(c is >= ' ' and <= '~' ? c : '?');
        }
        sb.Append('"');
    }

    private static bool IsSfToken(string s)
    {
        if (s.Length == 0 || !(char.IsAsciiLetter(s[0]) || s[0] == '*')) return false;
        foreach (var c in s)
            if (!(c is ':' or '/' || (c < 128 && HttpSyntax.IsTokenChar((byte)c)))) return false;
        return true;
    }

    private static void AppendSeconds(StringBuilder sb, TimeSpan value)
    {
        var seconds = (long)Math.Clamp(Math.Floor(value.TotalSeconds), -MaxInteger, MaxInteger);
        sb.Append(seconds.ToString(CultureInfo.InvariantCulture));
    }
}
