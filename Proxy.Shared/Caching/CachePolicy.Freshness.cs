using Proxy.Shared.Http;

namespace Proxy.Shared.Caching;

public static partial class CachePolicy
{
    private static readonly TimeSpan MaxDelta = TimeSpan.FromSeconds(FieldValues.MaxDeltaSeconds);

    /// <summary>
    /// The freshness lifetime of a response (RFC 9111 §4.2.1), taking the first that applies: <c>s-maxage</c> (a
    /// shared cache), <c>max-age</c>, <c>Expires</c> minus <c>Date</c>, else <see cref="CacheSettings.DefaultTtl"/>
    /// (this product's replacement for heuristic freshness, §4.2.2). Invalid freshness information (an invalid
    /// max-age or s-maxage, an Expires that is not an HTTP-date such as "0", §5.3) gives zero: already stale.
    /// Without a valid Date the Expires rule cannot be computed here and gives zero; store responses after
    /// <see cref="AddDateIfMissing"/>, or use the overload that takes the response time.
    /// </summary>
    public static TimeSpan FreshnessLifetime(HttpResponseHead response, CacheControl responseCc, CacheSettings settings)
        => Lifetime(response, responseCc, settings, null);

    /// <summary>
    /// <see cref="FreshnessLifetime(HttpResponseHead, CacheControl, CacheSettings)"/> where a response without a
    /// valid Date counts as dated <paramref name="responseTime"/>, the time it was received (§4.2.1, RFC 9110 §6.6.1).
    /// </summary>
    public static TimeSpan FreshnessLifetime(HttpResponseHead response, CacheControl responseCc, CacheSettings settings,
        DateTimeOffset responseTime)
        => Lifetime(response, responseCc, settings, responseTime);

    private static TimeSpan Lifetime(HttpResponseHead response, CacheControl cc, CacheSettings settings, DateTimeOffset? responseTime)
    {
        if (cc.InvalidFreshness) return TimeSpan.Zero;
        if (cc.SMaxAge is { } sMaxAge) return sMaxAge;
        if (cc.MaxAge is { } maxAge) return maxAge;
        var expiresField = response.Headers.Get("Expires"); // the first line when there are several (§4.2.1)
        if (expiresField is not null)
        {
            if (!HttpDate.TryParse(expiresField, out var expires)) return TimeSpan.Zero;
            DateTimeOffset date;
            if (HttpDate.TryParse(response.Headers.Get("Date"), out var dateValue)) date = dateValue;
            else if (responseTime is { } received) date = received;
            else return TimeSpan.Zero;
            var lifetime = expires - date;
            return lifetime <= TimeSpan.Zero ? TimeSpan.Zero : lifetime > MaxDelta ? MaxDelta : lifetime;
        }
        return settings.DefaultTtl > TimeSpan.Zero ? settings.DefaultTtl : TimeSpan.Zero;
    }

    /// <summary>
    /// The current age of a stored response (RFC 9111 §4.2.3), exactly:
    /// <code>
    /// apparent_age = max(0, response_time - date_value)
    /// response_delay = response_time - request_time
    /// corrected_age_value = age_value + response_delay
    /// corrected_initial_age = max(apparent_age, corrected_age_value)
    /// resident_time = now - response_time
    /// current_age = corrected_initial_age + resident_time
    /// </code>
    /// age_value is the Age field (its first member, §5.1; absent or invalid = 0); date_value is the Date field
    /// (absent or invalid = <paramref name="responseTime"/>). A negative result (times given out of order) is zero.
    /// </summary>
    public static TimeSpan CurrentAge(HttpResponseHead response, DateTimeOffset requestTime, DateTimeOffset responseTime,
        DateTimeOffset now)
    {
        var ageValue = AgeValue(response.Headers);
        var dateValue = HttpDate.TryParse(response.Headers.Get("Date"), out var date) ? date : responseTime;
        var apparentAge = Max(TimeSpan.Zero, responseTime - dateValue);
        var responseDelay = responseTime - requestTime;
        var correctedAgeValue = ageValue + responseDelay;
        var correctedInitialAge = Max(apparentAge, correctedAgeValue);
        var residentTime = now - responseTime;
        return Max(TimeSpan.Zero, correctedInitialAge + residentTime);
    }

    /// <summary>An <c>Age</c> field value for <paramref name="currentAge"/>: whole seconds, at most 2^31 (RFC 9111 §5.1, §1.2.2).</summary>
    public static string AgeFieldValue(TimeSpan currentAge)
    {
        var seconds = (long)Math.Floor(currentAge.TotalSeconds);
        return Math.Clamp(seconds, 0, FieldValues.MaxDeltaSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// How a stored response may be used for a request (RFC 9111 §4.2, §4.2.4, §5.2; RFC 5861 §3):
    /// <list type="number">
    /// <item>response <c>no-cache</c> (unqualified, §5.2.2.4) or request <c>no-cache</c> (§5.2.1.4): MustRevalidate;</item>
    /// <item>request <c>max-age=N</c> with an age above N (§5.2.1.1): MustRevalidate;</item>
    /// <item>fresh (lifetime &gt; age, §4.2) and, with request <c>min-fresh=N</c>, lifetime ≥ age + N (§5.2.1.3):
    /// Fresh; fresh but not fresh enough for min-fresh: MustRevalidate;</item>
    /// <item>stale with response must-revalidate, proxy-revalidate or s-maxage (§5.2.2.2, §5.2.2.8, §5.2.2.10):
    /// MustRevalidate, whatever the request allows (§4.2.4);</item>
    /// <item>stale within the response's <c>stale-while-revalidate=N</c> and the setting on: StaleWhileRevalidate
    /// (checked before max-stale, since it also refreshes the entry);</item>
    /// <item>stale within the request's <c>max-stale</c> (any, or N): StaleServable;</item>
    /// <item>otherwise MustRevalidate.</item>
    /// </list>
    /// The caller folds <c>Pragma: no-cache</c> in through <see cref="CacheControl.ParseRequest"/>.
    /// </summary>
    public static Freshness Evaluate(TimeSpan lifetime, TimeSpan currentAge, CacheControl responseCc, CacheControl requestCc,
        CacheSettings settings)
    {
        if (responseCc.NoCache || requestCc.NoCache) return Freshness.MustRevalidate;
        if (requestCc.MaxAge is { } maxAge && currentAge > maxAge) return Freshness.MustRevalidate;
        if (lifetime > currentAge)
        {
            if (requestCc.MinFresh is { } minFresh && lifetime < currentAge + minFresh) return Freshness.MustRevalidate;
            return Freshness.Fresh;
        }
        if (ForbidsStale(responseCc)) return Freshness.MustRevalidate;
        var staleness = currentAge - lifetime;
        if (settings.StaleWhileRevalidate && responseCc.StaleWhileRevalidate is { } window && staleness <= window)
            return Freshness.StaleWhileRevalidate;
        if (requestCc.MaxStaleAny || (requestCc.MaxStale is { } maxStale && staleness <= maxStale)) return Freshness.StaleServable;
        return Freshness.MustRevalidate;
    }

    /// <summary>
    /// Whether a stored response <paramref name="staleness"/> past its lifetime (zero or negative: still fresh) may
    /// be served because the origin failed — a 500, 502, 503 or 504 or no answer (RFC 5861 §4). Never when the
    /// response has unqualified no-cache, nor, once stale, when it has must-revalidate, proxy-revalidate or
    /// s-maxage: RFC 9111 §4.2.4 and §5.2.2.2 ("in all circumstances a cache MUST NOT ignore the must-revalidate
    /// directive") outrank RFC 5861's "regardless of other freshness information"; the caller answers 504 then.
    /// Otherwise the window is the request's <c>stale-if-error=N</c> (its scope is that request, so it can narrow
    /// or widen), else the response's, else <see cref="CacheSettings.StaleIfError"/>.
    /// </summary>
    public static bool CanServeStaleOnError(TimeSpan staleness, CacheControl responseCc, CacheControl requestCc, CacheSettings settings)
    {
        if (responseCc.NoCache) return false;
        if (staleness <= TimeSpan.Zero) return true;
        if (ForbidsStale(responseCc)) return false;
        var window = requestCc.StaleIfError ?? responseCc.StaleIfError ?? settings.StaleIfError;
        return staleness <= window;
    }

    /// <summary>Whether a status from the origin counts as an error for stale-if-error: 500, 502, 503 or 504 (RFC 5861 §4).</summary>
    public static bool IsErrorStatus(int status) => status is 500 or 502 or 503 or 504;

    // §4.2.4: a cache MUST NOT generate a stale response when must-revalidate, proxy-revalidate or (for a shared
    // cache) s-maxage forbid it.
    private static bool ForbidsStale(CacheControl responseCc)
        => responseCc.MustRevalidate || responseCc.ProxyRevalidate || responseCc.HasSMaxAge;

    private static TimeSpan AgeValue(HttpHeaderList headers)
    {
        var field = headers.Get("Age");
        if (field is null) return TimeSpan.Zero;
        var position = 0;
        return FieldValues.NextElement(field, ref position, out var first) && FieldValues.TryParseDeltaSeconds(first, out var age)
            ? age
            : TimeSpan.Zero;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
