using Proxy.Shared.Http;

namespace Proxy.Shared.Pipeline;

/// <summary>What a request filter decided: go on to the next phase, or answer the client with
/// <see cref="Answer"/> (an error from the <see cref="ProxyErrors"/> table, its text and extra header fields).</summary>
public readonly record struct FilterVerdict(ProxyError Answer, string? Reason, HttpHeaderList? Headers, bool Continues)
{
    public static FilterVerdict Continue => new(default, null, null, Continues: true);

    /// <param name="reason">Replaces the error's default text in the answer's body and in the access log.</param>
    public static FilterVerdict Respond(ProxyError answer, string? reason = null, HttpHeaderList? headers = null) =>
        new(answer, reason, headers, Continues: false);
}
