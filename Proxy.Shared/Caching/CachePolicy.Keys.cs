using System.Text;
using Proxy.Shared.Http;

namespace Proxy.Shared.Caching;

public static partial class CachePolicy
{
    /// <summary>
    /// The target URIs a response to an unsafe request invalidates (RFC 9111 §4.4), as <c>path</c> or
    /// <c>path?query</c>: none unless the method is unsafe (anything but GET, HEAD, OPTIONS and TRACE, including
    /// unknown methods, RFC 9110 §9.2.1) and the status is 2xx or 3xx; then the request's own path and query, and
    /// the URI references of <c>Location</c> and <c>Content-Location</c> when relative (resolved against the
    /// request path, RFC 3986 §5.2) or absolute with the request's host (compared case-insensitively, port
    /// ignored: the targets are relative to the request's host, the way the default cache key is). Fragments are
    /// dropped; duplicates are listed once.
    /// </summary>
    public static IReadOnlyList<string> InvalidatedTargets(HttpRequestHead request, HttpResponseHead response)
    {
        if (request.Method is "GET" or "HEAD" or "OPTIONS" or "TRACE" || response.Status is < 200 or > 399) return [];
        var own = request.Query.Length == 0 ? request.Path : request.Path + "?" + request.Query;
        var targets = new List<string>(3);
        if (own.Length > 0) targets.Add(own);
        AddReference(targets, request, response.Headers.Get("Location"));
        AddReference(targets, request, response.Headers.Get("Content-Location"));
        return targets;
    }

    /// <summary>
    /// The primary cache key of a request (RFC 9111 §2): the <paramref name="parts"/> in their listed order joined
    /// with '|', e.g. <c>GET|https|example.com|/a/b|x=1</c>. Method: HEAD counts as GET, so a HEAD is answered from
    /// the GET's entry. Scheme: <c>https</c> when <paramref name="secure"/>, else <c>http</c>. Host: lower-cased,
    /// with its port unless that is the scheme's default (80, 443). Path and query: exactly as sent (the query
    /// without '?'). A '|' inside a part is written <c>%7C</c>, so no two different requests share a key.
    /// </summary>
    public static string PrimaryKey(HttpRequestHead request, bool secure, IReadOnlyList<CacheKeyPart> parts)
    {
        var sb = new StringBuilder(64);
        for (var i = 0; i < parts.Count; i++)
        {
            if (i > 0) sb.Append('|');
            switch (parts[i])
            {
                case CacheKeyPart.Method: AppendEscaped(sb, request.Method == "HEAD" ? "GET" : request.Method); break;
                case CacheKeyPart.Scheme: sb.Append(secure ? "https" : "http"); break;
                case CacheKeyPart.Host: AppendHost(sb, request, secure); break;
                case CacheKeyPart.Path: AppendEscaped(sb, request.Path); break;
                case CacheKeyPart.Query: AppendEscaped(sb, request.Query); break;
            }
        }
        return sb.ToString();
    }

    private static void AppendHost(StringBuilder sb, HttpRequestHead request, bool secure)
    {
        var authority = request.Authority.Length > 0 ? request.Authority : request.Host;
        var host = HostSyntax.HostWithoutPort(authority);
        var port = HostSyntax.PortOf(authority);
        AppendEscaped(sb, host);
        if (port.IsEmpty || port.SequenceEqual(secure ? "443" : "80")) return;
        sb.Append(':').Append(port); // digits only: PortOf of an authority the parser validated
    }

    private static void AppendEscaped(StringBuilder sb, string s)
    {
        if (s.IndexOf('|') < 0)
        {
            sb.Append(s);
            return;
        }
        foreach (var c in s)
            if (c == '|') sb.Append("%7C");
            else sb.Append(c);
    }

    private static void AddReference(List<string> targets, HttpRequestHead request, string? reference)
    {
        if (string.IsNullOrEmpty(reference)) return;
        var target = ResolveSameHost(reference, request);
        if (target is not null && !targets.Contains(target)) targets.Add(target);
    }

    // The path?query of `reference` when it is relative or names the request's host (RFC 3986 §4.2, §5.2); else null.
    private static string? ResolveSameHost(string reference, HttpRequestHead request)
    {
        var r = reference.AsSpan().Trim(" \t");
        var hash = r.IndexOf('#');
        if (hash >= 0) r = r[..hash];
        var colon = r.IndexOfAny(':', '/', '?');
        if (colon > 0 && r[colon] == ':')
        {
            // scheme ":" hier-part: only http(s) with an authority can name the same host.
            var scheme = r[..colon];
            if (!scheme.Equals("http", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
                return null;
            r = r[(colon + 1)..];
            if (!r.StartsWith("//")) return null;
        }
        if (r.StartsWith("//"))
        {
            r = r[2..];
            var end = r.IndexOfAny('/', '?');
            var authority = end < 0 ? r : r[..end];
            var at = authority.LastIndexOf('@');
            if (at >= 0) authority = authority[(at + 1)..];
            if (!HostSyntax.HostWithoutPort(authority.ToString()).Equals(request.Host, StringComparison.OrdinalIgnoreCase)) return null;
            r = end < 0 ? "/".AsSpan() : r[end..];
            if (r[0] == '?') return "/" + r.ToString();
        }
        var question = r.IndexOf('?');
        var path = question < 0 ? r : r[..question];
        var query = question < 0 ? default : r[question..];
        if (path.IsEmpty && query.IsEmpty) return null; // the request's own target (RFC 3986 §5.2.2), already listed
        string resolved;
        if (path.IsEmpty) resolved = request.Path; // "?q" or "": the request's path (RFC 3986 §5.2.2)
        else if (path[0] == '/') resolved = RemoveDotSegments(path.ToString());
        else
        {
            var basePath = request.Path;
            var slash = basePath.LastIndexOf('/');
            resolved = RemoveDotSegments((slash < 0 ? "/" : basePath[..(slash + 1)]) + path.ToString());
        }
        return query.IsEmpty ? resolved : resolved + query.ToString();
    }

    // RFC 3986 §5.2.4 remove_dot_segments, for an absolute path.
    private static string RemoveDotSegments(string path)
    {
        if (path.IndexOf("/.", StringComparison.Ordinal) < 0) return path;
        var output = new List<string>();
        var segments = path.Split('/');
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            if (segment == ".")
            {
                if (last) output.Add("");
            }
            else if (segment == "..")
            {
                if (output.Count > 0) output.RemoveAt(output.Count - 1);
                if (last) output.Add("");
            }
            else output.Add(segment);
        }
        return "/" + string.Join('/', output);
    }
}
