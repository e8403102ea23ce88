using System.Diagnostics.CodeAnalysis;

namespace Proxy.Shared.Configuration;

/// <summary>Outcome of binding and validating the <c>proxy { … }</c> section.
/// <see cref="Settings"/> is set only when there are no problems, so half-read settings are never used.</summary>
public sealed record ConfigReadResult(ProxySettings? Settings, IReadOnlyList<ConfigProblem> Problems)
{
    [MemberNotNullWhen(true, nameof(Settings))]
    public bool IsValid => Settings is not null && Problems.Count == 0;
}
