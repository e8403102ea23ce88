namespace Proxy.Actors.Connections;

/// <summary>
/// Per-connection facts shared by the stages of one connection's fused graph (they run on the same actor, so
/// plain fields suffice): the decoder records when a request head started arriving so the exchange stage's
/// timer can tell a slow head (408) from an idle keep-alive connection.
/// </summary>
public sealed class ConnectionContext
{
    /// <summary>Environment.TickCount64 when the first byte of the pending request head arrived; 0 when none.</summary>
    public long HeadStartedAt;
}
