namespace Proxy.Shared.Http;

/// <summary>
/// Whether a request may be sent again after it was (perhaps) written to an upstream: RFC 9110 §9.2.2 and
/// RFC 9112 §9.3.1.1 let a proxy retry automatically only requests whose method is idempotent. A request
/// carrying <c>Idempotency-Key</c> declares itself safe to repeat, and a route or pool may opt in for every
/// method (nginx's <c>proxy_next_upstream non_idempotent</c>). Whether the request body is still in hand is
/// the exchange's part of the decision.
/// </summary>
public static class RetrySafety
{
    public static bool IsIdempotentMethod(string method) =>
        method is "GET" or "HEAD" or "OPTIONS" or "TRACE" or "PUT" or "DELETE";

    /// <param name="nonIdempotentAllowed">The route's or pool's <c>retries.non-idempotent</c>.</param>
    public static bool MayResend(HttpRequestHead request, bool nonIdempotentAllowed) =>
        nonIdempotentAllowed || IsIdempotentMethod(request.Method) || request.Headers.Contains("Idempotency-Key");
}
