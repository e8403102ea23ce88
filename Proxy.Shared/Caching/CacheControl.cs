using Proxy.Shared.Http;

namespace Proxy.Shared.Caching;

/// <summary>
/// The Cache-Control directives of one message (RFC 9111 §5.2), read from every <c>Cache-Control</c> field line
/// of a header section: the lines and their comma lists combine (RFC 9110 §5.3), names compare case-insensitively,
/// arguments may be a token or a quoted-string (§5.2: recipients accept both forms) and unknown directives are
/// ignored (§5.2.3). When a directive repeats, its first occurrence counts (§4.2.1).
/// </summary>
/// <remarks>
/// The same type carries request (§5.2.1) and response (§5.2.2) directives; which ones apply depends on the
/// message. Request <c>only-if-cached</c> is only recorded: answering 504 when no stored response can be used is
/// the caller's job (§5.2.1.7).
/// </remarks>
public sealed class CacheControl
{
    /// <summary>No directives at all: what a message without Cache-Control has.</summary>
    public static readonly CacheControl None = new();

    // A request with only "Pragma: no-cache" (§5.4).
    private static readonly CacheControl PragmaNoCacheOnly = new() { NoCache = true };

    private bool _maxAgeSeen, _sMaxAgeSeen, _maxStaleSeen, _minFreshSeen, _swrSeen, _sieSeen;
    private List<string>? _noCacheFields, _privateFields;

    private CacheControl() { }

    /// <summary><c>no-store</c> (§5.2.1.5 / §5.2.2.5): no part of the request or response may be stored.</summary>
    public bool NoStore { get; private set; }

    /// <summary>
    /// Unqualified <c>no-cache</c>: in a request (§5.2.1.4) the client wants a validated response; in a response
    /// (§5.2.2.4) the response may be stored but never reused without successful validation. A qualified
    /// <c>no-cache="field"</c> does not set this; see <see cref="NoCacheFields"/>.
    /// </summary>
    public bool NoCache { get; private set; }

    /// <summary>
    /// The field names of a qualified <c>no-cache="a, b"</c> (§5.2.2.4): the response may be reused without
    /// validation only with those fields removed. A shared cache here drops them before storing the response
    /// (<see cref="CachePolicy.RemoveUnstorableFields"/>), so what it stores is reusable like any other response.
    /// </summary>
    public IReadOnlyList<string> NoCacheFields => (IReadOnlyList<string>?)_noCacheFields ?? [];

    /// <summary>Unqualified <c>private</c> (§5.2.2.7): a shared cache MUST NOT store the response.</summary>
    public bool Private { get; private set; }

    /// <summary>
    /// The field names of a qualified <c>private="a, b"</c> (§5.2.2.7): a shared cache MUST NOT store those fields
    /// but MAY store the rest of the response, which is what this cache does
    /// (<see cref="CachePolicy.RemoveUnstorableFields"/>).
    /// </summary>
    public IReadOnlyList<string> PrivateFields => (IReadOnlyList<string>?)_privateFields ?? [];

    /// <summary><c>public</c> (§5.2.2.9): storable even where it otherwise would not be (e.g. with Authorization, §3.5).</summary>
    public bool Public { get; private set; }

    /// <summary><c>must-revalidate</c> (§5.2.2.2): once stale, never reused without successful validation.</summary>
    public bool MustRevalidate { get; private set; }

    /// <summary><c>proxy-revalidate</c> (§5.2.2.8): must-revalidate for shared caches.</summary>
    public bool ProxyRevalidate { get; private set; }

    /// <summary><c>must-understand</c> (§5.2.2.3): store only if the status code's caching rules are understood.</summary>
    public bool MustUnderstand { get; private set; }

    /// <summary><c>no-transform</c> (§5.2.1.6 / §5.2.2.6).</summary>
    public bool NoTransform { get; private set; }

    /// <summary>Request <c>only-if-cached</c> (§5.2.1.7): answer from the cache or with 504.</summary>
    public bool OnlyIfCached { get; private set; }

    /// <summary><c>immutable</c> (RFC 8246): the response will not change while fresh.</summary>
    public bool Immutable { get; private set; }

    /// <summary><c>max-age</c> (§5.2.1.1 / §5.2.2.1); null when absent or invalid.</summary>
    public TimeSpan? MaxAge { get; private set; }

    /// <summary>Response <c>s-maxage</c> (§5.2.2.10), the shared-cache lifetime; null when absent or invalid.</summary>
    public TimeSpan? SMaxAge { get; private set; }

    /// <summary>
    /// Whether the response has an <c>s-maxage</c> directive at all, valid or not: its proxy-revalidate semantics
    /// (§5.2.2.10) apply either way.
    /// </summary>
    public bool HasSMaxAge => _sMaxAgeSeen;

    /// <summary>Request <c>min-fresh</c> (§5.2.1.3).</summary>
    public TimeSpan? MinFresh { get; private set; }

    /// <summary>Request <c>max-stale</c> with no value (§5.2.1.2): a stale response of any age is acceptable.</summary>
    public bool MaxStaleAny { get; private set; }

    /// <summary>Request <c>max-stale=N</c> (§5.2.1.2): acceptable staleness; an invalid value is ignored.</summary>
    public TimeSpan? MaxStale { get; private set; }

    /// <summary><c>stale-while-revalidate=N</c> (RFC 5861 §3).</summary>
    public TimeSpan? StaleWhileRevalidate { get; private set; }

    /// <summary><c>stale-if-error=N</c> (RFC 5861 §4), in a request or a response.</summary>
    public TimeSpan? StaleIfError { get; private set; }

    /// <summary>
    /// A <c>max-age</c> or <c>s-maxage</c> whose argument is missing or not delta-seconds (§1.2.2). Such a response
    /// is treated as stale (§4.2.1): its freshness lifetime is zero and no default TTL applies.
    /// </summary>
    public bool InvalidFreshness { get; private set; }

    /// <summary>Parses every <c>Cache-Control</c> line of <paramref name="headers"/>; <see cref="None"/> when there is none.</summary>
    public static CacheControl Parse(HttpHeaderList headers)
    {
        var index = headers.IndexOf("Cache-Control", 0);
        if (index < 0) return None;
        var cc = new CacheControl();
        for (; index >= 0; index = headers.IndexOf("Cache-Control", index + 1))
            cc.Read(headers[index].Value);
        return cc;
    }

    /// <summary>
    /// <see cref="Parse"/> for a request, where <c>Pragma: no-cache</c> without any Cache-Control counts as
    /// <c>Cache-Control: no-cache</c> (§5.4).
    /// </summary>
    public static CacheControl ParseRequest(HttpHeaderList requestHeaders)
        => PragmaNoCache(requestHeaders) ? PragmaNoCacheOnly : Parse(requestHeaders);

    /// <summary>
    /// Whether a request's <c>Pragma</c> carries <c>no-cache</c> and it has no <c>Cache-Control</c> field, the only
    /// case where the pragma is to be honoured (RFC 9111 §5.4).
    /// </summary>
    public static bool PragmaNoCache(HttpHeaderList requestHeaders)
    {
        if (requestHeaders.Contains("Cache-Control")) return false;
        for (var i = requestHeaders.IndexOf("Pragma", 0); i >= 0; i = requestHeaders.IndexOf("Pragma", i + 1))
            if (HttpSyntax.ListContains(requestHeaders[i].Value, "no-cache")) return true;
        return false;
    }

    private void Read(string line)
    {
        var value = line.AsSpan();
        var position = 0;
        while (FieldValues.NextElement(value, ref position, out var element))
        {
            var eq = element.IndexOf('=');
            var name = eq < 0 ? element : FieldValues.TrimOws(element[..eq]);
            var hasArgument = eq >= 0;
            var argumentValid = FieldValues.TryReadArgument(hasArgument ? FieldValues.TrimOws(element[(eq + 1)..]) : default, out var argument)
                                && hasArgument;
            Apply(name, hasArgument, argumentValid, argument);
        }
    }

    private void Apply(ReadOnlySpan<char> name, bool hasArgument, bool argumentValid, ReadOnlySpan<char> argument)
    {
        if (Is(name, "max-age")) MaxAge = Seconds(ref _maxAgeSeen, MaxAge, hasArgument && argumentValid, argument, freshness: true);
        else if (Is(name, "s-maxage")) SMaxAge = Seconds(ref _sMaxAgeSeen, SMaxAge, hasArgument && argumentValid, argument, freshness: true);
        else if (Is(name, "no-cache")) NoCache |= !ReadFieldNames(ref _noCacheFields, hasArgument && argumentValid, argument);
        else if (Is(name, "no-store")) NoStore = true;
        else if (Is(name, "private")) Private |= !ReadFieldNames(ref _privateFields, hasArgument && argumentValid, argument);
        else if (Is(name, "public")) Public = true;
        else if (Is(name, "must-revalidate")) MustRevalidate = true;
        else if (Is(name, "proxy-revalidate")) ProxyRevalidate = true;
        else if (Is(name, "must-understand")) MustUnderstand = true;
        else if (Is(name, "no-transform")) NoTransform = true;
        else if (Is(name, "only-if-cached")) OnlyIfCached = true;
        else if (Is(name, "immutable")) Immutable = true;
        else if (Is(name, "min-fresh")) MinFresh = Seconds(ref _minFreshSeen, MinFresh, hasArgument && argumentValid, argument, freshness: false);
        else if (Is(name, "stale-while-revalidate")) StaleWhileRevalidate = Seconds(ref _swrSeen, StaleWhileRevalidate, hasArgument && argumentValid, argument, freshness: false);
        else if (Is(name, "stale-if-error")) StaleIfError = Seconds(ref _sieSeen, StaleIfError, hasArgument && argumentValid, argument, freshness: false);
        else if (Is(name, "max-stale"))
        {
            if (_maxStaleSeen) return;
            _maxStaleSeen = true;
            if (!hasArgument) MaxStaleAny = true;
            else if (argumentValid && FieldValues.TryParseDeltaSeconds(argument, out var staleness)) MaxStale = staleness;
        }
    }

    private static bool Is(ReadOnlySpan<char> name, string directive) => name.Equals(directive, StringComparison.OrdinalIgnoreCase);

    // The first occurrence of a delta-seconds directive counts (§4.2.1); an invalid max-age or s-maxage marks the
    // response stale, other invalid values are ignored.
    private TimeSpan? Seconds(ref bool seen, TimeSpan? current, bool valid, ReadOnlySpan<char> argument, bool freshness)
    {
        if (seen) return current;
        seen = true;
        if (valid && FieldValues.TryParseDeltaSeconds(argument, out var seconds)) return seconds;
        if (freshness) InvalidFreshness = true;
        return null;
    }

    // no-cache / private: false (the unqualified form) without an argument, or with an unusable or empty one (the
    // more restrictive reading, §4.2.1 "the most restrictive directive should be honored"); else true with the
    // listed field names added.
    private static bool ReadFieldNames(ref List<string>? fields, bool hasValidArgument, ReadOnlySpan<char> argument)
    {
        if (!hasValidArgument) return false;
        var added = false;
        var position = 0;
        while (FieldValues.NextElement(argument, ref position, out var field))
        {
            if (!FieldValues.IsToken(field)) continue;
            (fields ??= new List<string>(2)).Add(field.ToString());
            added = true;
        }
        return added;
    }
}
