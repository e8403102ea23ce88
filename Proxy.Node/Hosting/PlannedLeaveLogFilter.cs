using Akka.Event;

namespace Proxy.Node.Hosting;

/// <summary>
/// When a member leaves by plan it shuts its remoting down after the cluster has removed it, and every survivor's
/// endpoint to it fails: Akka.Remote logs a WARNING ("Association with remote system … has failed; address is now
/// gated") and the endpoint writer's supervisor an ERROR ("Disassociated"). Those two, and only for an address in
/// <see cref="PlannedLeaves"/>, are dropped; <see cref="ClusterMembershipLog"/> has already said "node X left" at
/// info. The same errors for a member that did not leave by plan (a crash, a partition) are kept.
/// </summary>
public sealed class PlannedLeaveLogFilter(PlannedLeaves plannedLeaves) : LogFilterBase
{
    public override LogFilterType FilterType => LogFilterType.Content;

    public override LogFilterDecision ShouldKeepMessage(LogEvent content, string? expandedMessage = null)
    {
        if (content.LogLevel() < LogLevel.WarningLevel) return LogFilterDecision.NoDecision;
        var message = expandedMessage ?? content.Message?.ToString() ?? "";
        var remoting = message.Contains("Disassociated", StringComparison.Ordinal)
            || message.Contains("address is now gated", StringComparison.Ordinal)
            || content.Cause?.GetType().Name == "EndpointDisassociatedException"; // internal to Akka.Remote
        if (!remoting) return LogFilterDecision.NoDecision;
        return plannedLeaves.Mentions(message) || plannedLeaves.Mentions(content.LogSource)
            ? LogFilterDecision.Drop
            : LogFilterDecision.NoDecision;
    }
}
