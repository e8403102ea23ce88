using System.Diagnostics;
using System.Net;
using Proxy.Actors.Pools;

namespace Proxy.Actors.Tracing;

/// <summary>
/// O5 for L4 routes (E3): one SERVER span per spliced TCP connection, named <c>TCP {route}</c>, from the accept to the
/// close of both sides, with the client, the backend it was spliced to and how many connects that took. A raw TCP
/// stream carries no trace context: each session is a new trace, recorded at <c>tracing.sample-ratio</c>.
/// </summary>
public sealed class TcpSessionTracing(double sampleRatio)
{
    public Activity? Start(string route, string pool, EndPoint? client)
    {
        if (!DetachedSpan.SampleNew(sampleRatio)) return null;
        var span = DetachedSpan.Start("TCP " + route, ActivityKind.Server, default);
        if (span is not { IsAllDataRequested: true }) return span;
        span.SetTag("network.transport", "tcp");
        if (client is IPEndPoint ip)
        {
            span.SetTag("client.address", ip.Address.ToString());
            span.SetTag("client.port", ip.Port);
        }
        span.SetTag("proxy.tcp_route", route);
        span.SetTag("proxy.pool", pool);
        return span;
    }

    /// <summary>The session was spliced to <paramref name="backend"/> after <paramref name="attempts"/> connects.</summary>
    public static void Connected(Activity? span, Backend backend, int attempts)
    {
        if (span is not { IsAllDataRequested: true }) return;
        span.SetTag("server.address", backend.Settings.Host);
        span.SetTag("server.port", backend.Settings.Port);
        span.SetTag("proxy.connect_attempts", attempts);
    }

    /// <summary>The session ends: <paramref name="errorType"/> when no backend took it (the client was closed).</summary>
    public static void End(Activity? span, string? errorType = null)
    {
        if (span is null) return;
        if (errorType is not null && span.IsAllDataRequested)
        {
            span.SetTag("error.type", errorType);
            span.SetStatus(ActivityStatusCode.Error);
        }
        DetachedSpan.Stop(span);
    }
}
