using System.Globalization;
using System.Text;
using Proxy.Actors.Connections;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

/// <summary>
/// The node's own answer to an exchange (an error, a refusal): a short text body from the <see cref="ProxyErrors"/>
/// table — no internal addresses, no stack traces — under a head that went through the exchange's response head filters,
/// so it carries the request id and security headers like a relayed response. Any front puts it in its own framing.
/// </summary>
internal static class LocalAnswer
{
    /// <summary>Marks <paramref name="exchange"/> answered by the node (status, error for the access log) and builds the
    /// answer. <paramref name="reason"/> replaces the error's default text; <paramref name="detail"/> (the parser's
    /// reason) is logged, never sent; <paramref name="extra"/> fields come from a filter's refusal.</summary>
    public static (HttpResponseHead Head, byte[] Body) Build(ExchangeContext exchange, ProxyError error, string? reason,
        HttpHeaderList? extra, string? detail, ProxyRuntime runtime, IExchangeFront front)
    {
        var status = ProxyErrors.StatusOf(error);
        reason ??= ProxyErrors.TextOf(error);
        exchange.Status = status;
        exchange.Error = detail is null ? reason : reason + ": " + detail;
        exchange.ErrorType = ProxyErrors.TypeOf(error);
        exchange.LocalAnswer = true;
        var text = HttpStatusText.Get(status);
        var body = Encoding.UTF8.GetBytes(status + " " + text + ": " + reason + "\n");
        var headers = new HttpHeaderList(5);
        headers.Add("Content-Type", "text/plain; charset=utf-8");
        headers.Add("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture));
        headers.Add("Date", DateField.Current);
        if (extra is not null)
            for (var i = 0; i < extra.Count; i++) headers.Add(extra[i].Key, extra[i].Value);
        var head = new HttpResponseHead
        {
            Status = status, Reason = text, Version = 11, Headers = headers, Framing = BodyFraming.ContentLength,
            ContentLength = body.Length,
        };
        // The answer to a response head filter's failure does not go through the filters again.
        if (error != ProxyError.ResponseFilterFailed) FilterPhases.RunResponseHead(exchange, head, runtime, front);
        return (head, body);
    }
}
