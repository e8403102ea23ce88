using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Proxy.Actors.Connections;
using Proxy.Actors.Tls;
using Proxy.Actors.Transport;
using Proxy.Node.Hosting;
using Proxy.Shared.Configuration;
using Proxy.Shared.Connections;

namespace Proxy.Node.Revisions;

/// <summary>
/// O6: what a config revision does to the node's HTTP listeners. Added reverse listeners are bound (a taken address is
/// a problem of the revision) and start accepting; removed ones stop accepting, drain their connections (in-flight
/// exchanges finish, idle connections close) and stop; a listener that keeps its address takes its new settings
/// (max-connections, mode, guard, TLS certificates) for new connections; one whose address changed is removed and added.
/// A forward listener's upstream runtime is the snapshot's (<see cref="NodeConfigApplier"/>).
/// </summary>
internal sealed class ListenerChanges : IDisposable
{
    private readonly List<(ListenerSettings Settings, Socket Socket, CertificateStore? Certificates)> _added = [];
    private readonly List<(ListenerSettings Settings, CertificateStore? Certificates)> _updated = [];
    private readonly List<string> _removed = [];
    private bool _executed;

    public bool IsEmpty => _added.Count == 0 && _updated.Count == 0 && _removed.Count == 0;

    /// <summary>The changes from <paramref name="running"/> to <paramref name="next"/>, with their problems. With
    /// <paramref name="bind"/> the added listeners' sockets are bound and kept for <see cref="Execute"/>; without it
    /// (verify) each address is only tried.</summary>
    public static (ListenerChanges Changes, List<ConfigProblem> Problems) Prepare(IReadOnlyList<ListenerSettings> running,
        IReadOnlyList<ListenerSettings> next, bool bind)
    {
        var changes = new ListenerChanges();
        var problems = new List<ConfigProblem>();
        var before = running.ToDictionary(l => l.Name, StringComparer.Ordinal);
        for (var i = 0; i < next.Count; i++)
        {
            var listener = next[i];
            var path = $"proxy.listeners[{i}]";
            if (before.Remove(listener.Name, out var old))
            {
                if (SettingsComparison.Same(old, listener)) continue;
                if (old.Address == listener.Address)
                {
                    var found = problems.Count;
                    var certificates = Certificates(listener, i, problems);
                    if (problems.Count == found) changes._updated.Add((listener, certificates));
                    continue;
                }
                changes._removed.Add(listener.Name);
            }
            var added = Certificates(listener, i, problems);
            try
            {
                if (bind)
                    changes._added.Add((listener, AddressBinding.Bind($"{path}.address", listener.Address,
                        () => SocketAcceptLoop.Bind(EndpointParser.Parse(listener.Address))), added));
                else
                    AddressBinding.Probe($"{path}.address", listener.Address);
            }
            catch (ConfigFileException e)
            {
                problems.Add(new ConfigProblem(e.Path, e.Reason));
                added?.Dispose();
            }
        }
        changes._removed.AddRange(before.Keys);
        if (problems.Count > 0 || !bind) changes.Dispose();
        return (changes, problems);
    }

    /// <summary>Starts, updates and drains the listeners (after the revision's snapshot is published).</summary>
    public void Execute(ActorSystem system, ListenerSet listeners, ProxyRuntime runtime, ListenerTransport transport, long revision,
        TimeSpan drainTimeout)
    {
        _executed = true;
        foreach (var name in _removed)
        {
            if (listeners.ActorOf(name) is not { } actor) continue;
            listeners.Removed(name);
            // Drained (in-flight exchanges finish, idle connections close), then stopped; bounded by the shutdown timeout.
            actor.Ask<ConnectionsDrained>(DrainConnections.Instance, drainTimeout)
                .ContinueWith(_ => system.Stop(actor), TaskScheduler.Default);
        }
        foreach (var (settings, certificates) in _updated)
            listeners.ActorOf(settings.Name)?.Tell(new ListenerActor.UpdateListener(settings, certificates));
        foreach (var (settings, socket, certificates) in _added)
        {
            var actor = system.ActorOf(ListenerActor.Props(settings, runtime, socket, transport, certificates),
                $"listener-{settings.Name}-r{revision}");
            listeners.Started(settings.Name, actor, (IPEndPoint)socket.LocalEndPoint!);
        }
    }

    private static CertificateStore? Certificates(ListenerSettings listener, int index, List<ConfigProblem> problems)
    {
        if (listener.Tls is null) return null;
        try
        {
            return ConfiguredFiles.LoadCertificates(listener, index);
        }
        catch (ConfigFileException e)
        {
            problems.Add(new ConfigProblem(e.Path, e.Reason));
            return null;
        }
    }

    /// <summary>Releases what a revision that is not applied bound and loaded.</summary>
    public void Dispose()
    {
        if (_executed) return;
        foreach (var (_, socket, certificates) in _added)
        {
            socket.Dispose();
            certificates?.Dispose();
        }
        foreach (var (_, certificates) in _updated) certificates?.Dispose();
        _added.Clear();
        _updated.Clear();
    }
}
