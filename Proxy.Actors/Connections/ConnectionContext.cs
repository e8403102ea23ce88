namespace Proxy.Actors.Connections;

/// <summary>
/// Per-connection facts shared by the stages of one connection's fused graph (they run on the same actor, so
/// plain fields suffice): the decoder records when a request head started arriving so the exchange stage's
/// timer can tell a slow head (408) from an idle keep-alive connection, and it waits after a CONNECT or Upgrade
/// head for the exchange to decide whether the bytes that follow are a tunnel's or the next request's.
/// </summary>
public sealed class ConnectionContext
{
    /// <summary>Environment.TickCount64 when the first byte of the pending request head arrived; 0 when none.</summary>
    public long HeadStartedAt;

    /// <summary>The decoder holds what follows a CONNECT or Upgrade head until <see cref="DecideSwitch"/> is called.</summary>
    public bool SwitchPending;

    /// <summary>Set by the decoder: the exchange calls it with true when a tunnel opened (what follows is the tunnel's)
    /// or false when the request was answered without one (RFC 9110 §7.8: the connection goes on as HTTP/1.1).</summary>
    public Action<bool>? DecideSwitch;

    /// <summary>Tells the decoder, if it waits for the decision.</summary>
    public void Decide(bool tunnel)
    {
        if (!SwitchPending) return;
        SwitchPending = false;
        DecideSwitch?.Invoke(tunnel);
    }
}
