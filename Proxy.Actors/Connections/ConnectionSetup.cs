using System.Net.Sockets;
using Proxy.Shared.Http;

namespace Proxy.Actors.Connections;

/// <summary>
/// The per-connection inputs of the listener's shared, pre-fused connection graph. A listener builds and fuses
/// that graph once; for each accepted socket it materializes it inside <see cref="Materialize{T}"/>, and the
/// stages pick their inputs up from <see cref="Current"/> while their logic is created (Akka creates stage
/// logics synchronously during materialization). Building and fusing the graph per connection cost ~17 KiB of
/// allocations and most of the set-up time; under connection churn that garbage is what grew the heap.
/// </summary>
public sealed class ConnectionSetup
{
    [ThreadStatic] private static ConnectionSetup? _current;

    public ConnectionSetup(Socket? socket, string client, HttpLimits limits)
    {
        Socket = socket;
        Client = client;
        Limits = limits;
    }

    /// <summary>The accepted socket (null on the Akka.IO transport, which brings its own).</summary>
    public Socket? Socket { get; }
    public string Client { get; }
    public HttpLimits Limits { get; }
    /// <summary>Facts shared by this connection's stages.</summary>
    public ConnectionContext Context { get; } = new();

    public static ConnectionSetup Current =>
        _current ?? throw new InvalidOperationException("connection stages are materialized by ListenerActor only");

    public static T Materialize<T>(ConnectionSetup setup, Func<T> run)
    {
        _current = setup;
        try
        {
            return run();
        }
        finally
        {
            _current = null;
        }
    }
}
