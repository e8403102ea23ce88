namespace Proxy.Shared.Admin;

/// <summary>The response field every admin listener answer carries, so pbm can tell the admin API from a traffic
/// listener (or anything else) at the address it was given.</summary>
public static class AdminApiHeader
{
    public const string Name = "X-Proxy-Admin-Api";
    public const string Value = "1";
}
