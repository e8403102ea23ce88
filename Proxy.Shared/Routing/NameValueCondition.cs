namespace Proxy.Shared.Routing;

/// <summary>A header or query parameter that must be present, and equal <see cref="Value"/> when it is set.</summary>
internal readonly record struct NameValueCondition(string Name, string? Value);
