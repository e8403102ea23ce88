namespace Proxy.Actors.Admin;

/// <summary>An admin query's answer: the HTTP status and the view (Proxy.Shared.Admin) to send as JSON.</summary>
public sealed record AdminResult(int Status, object Body);
