using System.Diagnostics.CodeAnalysis;
using Akka.Configuration;

namespace Proxy.Shared.Configuration;

/// <summary>Outcome of loading a config file: the full HOCON (including any <c>akka { … }</c> section, for the
/// node), the validated proxy settings, and every problem found.</summary>
/// <remarks><see cref="Hocon"/> is set whenever the text parsed, even if the proxy section has problems (so a
/// caller can still log or inspect it); <see cref="Settings"/> only when there are no problems at all.</remarks>
public sealed record ConfigLoadResult(Config? Hocon, ProxySettings? Settings, IReadOnlyList<ConfigProblem> Problems)
{
    [MemberNotNullWhen(true, nameof(Settings), nameof(Hocon))]
    public bool IsValid => Hocon is not null && Settings is not null && Problems.Count == 0;
}
