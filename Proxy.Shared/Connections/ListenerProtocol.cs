namespace Proxy.Shared.Connections;

/// <summary>Messages a listener actor understands (node-local; they never cross nodes).</summary>
public interface IListenerCommand;

/// <summary>Stop accepting new connections (close the listening socket). Replies <see cref="StoppedAccepting"/>.</summary>
public sealed record StopAccepting : IListenerCommand
{
    public static readonly StopAccepting Instance = new();
}

public sealed record StoppedAccepting(string Listener);

/// <summary>
/// Close idle keep-alive connections now and every other one after its current exchange. Replies
/// <see cref="ConnectionsDrained"/> once all are closed.
/// </summary>
public sealed record DrainConnections : IListenerCommand
{
    public static readonly DrainConnections Instance = new();
}

public sealed record ConnectionsDrained(string Listener);

/// <summary>Asks for <see cref="ListenerStatus"/>.</summary>
public sealed record GetListenerStatus : IListenerCommand
{
    public static readonly GetListenerStatus Instance = new();
}

/// <summary>A listener's address and connection counters.</summary>
public sealed record ListenerStatus(string Listener, string Address, bool Accepting, int OpenConnections,
    long AcceptedTotal, long RefusedTotal);
