namespace Proxy.Shared.Http;

/// <summary>
/// The <c>Date</c> field value for now (RFC 9110 §5.6.7 IMF-fixdate), made once per second and shared, as nginx caches
/// its time string: a response the node forwards without a Date gets one (a recipient with a clock MUST add it, RFC
/// 9110 §6.6.1), and so do the node's own answers (an origin MUST send one in 2xx–4xx), without formatting a date per
/// response.
/// </summary>
public static class DateField
{
    private sealed record Cached(long Second, string Value);

    private static volatile Cached _current = Make(DateTimeOffset.UtcNow);

    /// <summary>Now, to the second.</summary>
    public static string Current
    {
        get
        {
            var now = DateTimeOffset.UtcNow;
            var cached = _current;
            if (cached.Second == now.ToUnixTimeSeconds()) return cached.Value;
            var made = Make(now);
            _current = made;
            return made.Value;
        }
    }

    /// <summary>Adds <c>Date: now</c> to <paramref name="headers"/> unless they have a Date.</summary>
    public static void AddIfMissing(HttpHeaderList headers)
    {
        if (!headers.Contains("Date")) headers.Add("Date", Current);
    }

    private static Cached Make(DateTimeOffset now) => new(now.ToUnixTimeSeconds(), Caching.HttpDate.Format(now));
}
