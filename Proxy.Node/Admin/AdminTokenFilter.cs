using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Proxy.Shared.Admin;
using Proxy.Shared.Security;

namespace Proxy.Node.Admin;

/// <summary>
/// Guards <c>/api</c>: requests need <c>Authorization: Bearer TOKEN</c> (or <c>Proxy-Authorization</c>, as pbm sends it)
/// with the configured admin token. Without
/// a configured token the API is off (403), so a node never exposes cluster control by accident. The
/// comparison is constant-time over SHA-256 digests (no timing leak of content or length); the token itself
/// is never logged or echoed.
/// </summary>
public sealed class AdminTokenFilter(string? token, ILogger logger) : IEndpointFilter
{
    private const string Scheme = BearerToken.Scheme;
    private readonly BearerToken? _expected = token is null ? null : new BearerToken(token);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (_expected is null)
            return Results.Json(new ErrorView("the admin API is off: no admin token is configured (proxy.admin.token or PROXY_ADMIN_TOKEN)"),
                AdminJson.Options, statusCode: StatusCodes.Status403Forbidden);

        // pbm sends Proxy-Authorization: a hop-by-hop field every traffic listener strips, so a token sent to a
        // traffic port by mistake never reaches a backend. Authorization (curl, scripts) works as well.
        var (field, values) = http.Request.Headers.ProxyAuthorization.Count > 0
            ? ("Proxy-Authorization", http.Request.Headers.ProxyAuthorization)
            : ("Authorization", http.Request.Headers.Authorization);
        string? problem = null;
        if (values.Count == 0) problem = "missing admin token: send Authorization: Bearer TOKEN";
        else if (values.Count > 1) problem = $"more than one {field} header";
        else if (values[0] is not { } header || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            problem = $"the {field} header must use the Bearer scheme";
        else if (!_expected.Matches(header.AsSpan(Scheme.Length).Trim()))
            problem = "invalid admin token";

        if (problem is null) return await next(context).ConfigureAwait(false);
        logger.LogWarning("Admin API: refused {Method} {Path} from {Remote}: {Problem}", http.Request.Method,
            http.Request.Path.Value, http.Connection.RemoteIpAddress, problem);
        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"proxy-admin\"";
        return Results.Json(new ErrorView(problem), AdminJson.Options, statusCode: StatusCodes.Status401Unauthorized);
    }
}
