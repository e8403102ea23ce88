using Proxy.Shared.Http;

namespace Proxy.Shared.Pipeline;

/// <summary>What a request filter decided: go on to the next phase, answer the client with <see cref="Answer"/> (an
/// error from the <see cref="ProxyErrors"/> table, its text and extra header fields), or serve it a response from
/// <see cref="Source"/> instead of an upstream's (a cached response).</summary>
public readonly record struct FilterVerdict(ProxyError Answer, string? Reason, HttpHeaderList? Headers, bool Continues)
{
    public static FilterVerdict Continue => new(default, null, null, Continues: true);

    /// <summary>The response served in place of an upstream's; null for the other verdicts.</summary>
    public IResponseSource? Source { get; init; }

    /// <summary>Answers the request with <paramref name="source"/>'s response: no upstream is asked, and the exchange's
    /// response filters see it as a relayed one.</summary>
    public static FilterVerdict Serve(IResponseSource source) =>
        new(default, null, null, Continues: false) { Source = source ?? throw new ArgumentNullException(nameof(source)) };

    /// <param name="reason">Replaces the error's default text in the answer's body and in the access log.</param>
    public static FilterVerdict Respond(ProxyError answer, string? reason = null, HttpHeaderList? headers = null) =>
        new(answer, reason, headers, Continues: false);
}
