namespace Proxy.Shared.Configuration;

/// <summary>
/// <c>proxy.forward</c>: how forward-mode listeners (X1, X2) reach upstream proxies and targets. Each distinct
/// upstream proxy (host, port, credentials) gets its own keep-alive connection pool on the node.
/// </summary>
public sealed record ForwardSettings
{
    /// <summary>The request header naming the upstream proxy.</summary>
    public string Header { get; init; } = "X-Proxy-To";
    /// <summary>Used when a request has no such header (<c>[http://][user:pass@]host:port</c>); null = 400.</summary>
    public string? DefaultUpstream { get; init; }
    public PoolTimeouts Timeouts { get; init; } = new() { Connect = TimeSpan.FromSeconds(5), Response = TimeSpan.FromSeconds(60) };
    /// <summary>Idempotent requests retried on a connect failure or these statuses, to the same upstream proxy.</summary>
    public RetrySettings Retries { get; init; } = new() { Attempts = 1, Statuses = [502, 503] };
    /// <summary>Per upstream proxy: max open connections from this node and the idle timeout of pooled ones.</summary>
    public UpstreamConnectionSettings Connections { get; init; } = new() { MaxPerBackend = 256 };
    /// <summary>Limits on the response heads upstream proxies send.</summary>
    public ResponseLimitSettings Limits { get; init; } = new();
    /// <summary>Distinct upstream proxies a node keeps pools for; idle ones are dropped first, then new ones get 503.</summary>
    public int MaxUpstreams { get; init; } = 1024;
}

/// <summary>X3, on a forward listener: allow/deny lists for targets and upstream proxies (see AddressGuard).</summary>
public sealed record ForwardGuardSettings
{
    public IReadOnlyList<string> AllowTargets { get; init; } = [];
    public IReadOnlyList<string> DenyTargets { get; init; } = [];
    public IReadOnlyList<string> AllowUpstreams { get; init; } = [];
    public IReadOnlyList<string> DenyUpstreams { get; init; } = [];
    /// <summary>Where a target name sent to an upstream proxy is resolved for the guard (<c>resolve-targets</c>).</summary>
    public TargetResolution ResolveTargets { get; init; } = TargetResolution.Upstream;

    public bool IsEmpty => AllowTargets.Count + DenyTargets.Count + AllowUpstreams.Count + DenyUpstreams.Count == 0;

    // Lists compare by content, so settings bound twice from the same config are equal.
    public bool Equals(ForwardGuardSettings? other) =>
        other is not null && AllowTargets.SequenceEqual(other.AllowTargets) && DenyTargets.SequenceEqual(other.DenyTargets) &&
        AllowUpstreams.SequenceEqual(other.AllowUpstreams) && DenyUpstreams.SequenceEqual(other.DenyUpstreams) &&
        ResolveTargets == other.ResolveTargets;

    public override int GetHashCode() => HashCode.Combine(AllowTargets.Count, DenyTargets.Count, AllowUpstreams.Count, DenyUpstreams.Count);
}

/// <summary>
/// <c>upstream</c> (default): a target name sent to an upstream proxy is checked as a name only (the upstream's DNS
/// may differ from this node's); <c>local</c>: it is also resolved here and refused when any address is denied.
/// </summary>
public enum TargetResolution
{
    Upstream,
    Local,
}
