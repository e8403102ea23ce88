namespace Proxy.Actors.Metrics;

/// <summary>Label values shared by the node's metrics, kept bounded and allocated once.</summary>
public static class MetricLabels
{
    private static readonly string[] Statuses = Enumerable.Range(0, 600).Select(s => s == 0 ? "" : s.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The status code as a label ("" for none).</summary>
    public static string Status(int status) => (uint)status < (uint)Statuses.Length ? Statuses[status] : "_OTHER";

    /// <summary>The request method as OpenTelemetry's <c>http.request.method</c>: the known methods as they are, any other
    /// as <c>_OTHER</c> (a client choosing method names must not grow the series), none (no head was read) as "".</summary>
    public static string Method(string? method) => method switch
    {
        null => "",
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "CONNECT" => "CONNECT",
        "OPTIONS" => "OPTIONS",
        "TRACE" => "TRACE",
        "PATCH" => "PATCH",
        _ => "_OTHER",
    };
}
