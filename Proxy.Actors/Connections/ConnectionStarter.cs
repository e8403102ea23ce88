using System.Net;
using System.Net.Sockets;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using Proxy.Actors.Transport;
using Proxy.Shared.Configuration;

namespace Proxy.Actors.Connections;

/// <summary>
/// Starts a listener's accepted connections on the accept's own thread: admits it (<see cref="ConnectionRegistry"/>),
/// refuses it with a 503 when the listener is full or stopping, or materializes the listener's fused connection
/// blueprint for it. The connection's actor is created there and, on the connection dispatcher, runs its start inline
/// (<see cref="IoInlineExecutor"/>), so a new connection reaches its first read without a thread hop. Thread-safe: the
/// listener actor swaps the <see cref="Blueprint"/> when a config revision changes the listener, while accepts go on.
/// </summary>
public sealed class ConnectionStarter
{
    private const string AtLimit = "listener at max-connections";
    private const string Stopping = "listener stopping";
    private static readonly byte[] AtLimitResponse = RefusalResponse(AtLimit);
    private static readonly byte[] StoppingResponse = RefusalResponse(Stopping);

    private readonly ProxyRuntime _runtime;
    private readonly ConnectionRegistry _registry;
    private readonly IMaterializer _materializer;
    private readonly ILoggingAdapter _log;
    private volatile Blueprint _blueprint;

    /// <summary>What new connections are started with: the listener's settings and its fused connection graph.</summary>
    public sealed record Blueprint(ListenerSettings Settings, IRunnableGraph<ConnectionHandle> Graph);

    public ConnectionStarter(ProxyRuntime runtime, ConnectionRegistry registry, IMaterializer materializer,
        ILoggingAdapter log, Blueprint blueprint)
    {
        _runtime = runtime;
        _registry = registry;
        _materializer = materializer;
        _log = log;
        _blueprint = blueprint;
    }

    /// <summary>New connections start with <paramref name="blueprint"/>; open ones keep what they started with.</summary>
    public void Use(Blueprint blueprint) => _blueprint = blueprint;

    /// <summary>Runs on the accept's completion thread.</summary>
    public void Start(Socket socket)
    {
        var blueprint = _blueprint;
        var client = ClientAddress(socket.RemoteEndPoint);
        if (Admit(blueprint.Settings, client) is { } refusal)
        {
            Refuse(socket, refusal);
            return;
        }
        ConnectionHandle? handle = null;
        try
        {
            var setup = new ConnectionSetup(socket, client, _runtime.Current.Limits);
            IoInlineExecutor.RunInline(() =>
                handle = ConnectionSetup.Materialize(setup, () => blueprint.Graph.Run(_materializer)));
        }
        catch (Exception e)
        {
            _log.Warning("Connection from {0} could not start: {1}", client, e.Message);
            socket.Dispose();
        }
        if (handle is null)
        {
            _registry.Abandon();
            return;
        }
        _registry.Track(handle);
    }

    /// <summary>Admits a new connection from <paramref name="client"/> under the listener's current settings; when the
    /// listener is full or stopping, returns the 503 to send it instead (logged). An admitted connection is then
    /// tracked or abandoned in the registry.</summary>
    public byte[]? Admit(string client) => Admit(_blueprint.Settings, client);

    private byte[]? Admit(ListenerSettings settings, string client)
    {
        var admission = _registry.TryAdmit(settings.MaxConnections);
        if (admission == ConnectionRegistry.Admission.Admitted) return null;
        var (response, reason) = admission == ConnectionRegistry.Admission.Stopping
            ? (StoppingResponse, Stopping)
            : (AtLimitResponse, AtLimit);
        LogRefused(settings.Name, client, reason, response.Length);
        return response;
    }

    /// <summary>A refused connection is answered before its request is read: the access log has no method or path.</summary>
    private void LogRefused(string listener, string client, string reason, int bytesOut)
    {
        if (!_runtime.AccessLog.Enabled) return;
        _runtime.AccessLog.Write(new Logging.AccessLogEntry
        {
            Time = DateTime.UtcNow, Client = client, Method = "-", Host = "-", Path = "-", Status = 503,
            BytesOut = bytesOut, Error = "refused: " + reason + " (" + listener + ")",
        });
    }

    public static string ClientAddress(EndPoint? remote) => remote is IPEndPoint ip
        ? (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address).ToString()
        : "unknown";

    private static byte[] RefusalResponse(string reason)
    {
        var body = "503 Service Unavailable: " + reason + "\n";
        return System.Text.Encoding.ASCII.GetBytes("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n" +
            "Content-Length: " + body.Length + "\r\nConnection: close\r\n\r\n" + body);
    }

    private static void Refuse(Socket socket, byte[] response)
    {
        try
        {
            socket.Blocking = false;
            socket.Send(response, SocketFlags.None, out _);
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception)
        {
            // The client may be gone already; closing is all that matters.
        }
        socket.Dispose();
    }
}
