using System.Collections.Immutable;
using System.Net;
using Akka.Actor;

namespace Proxy.Node.Hosting;

/// <summary>
/// The node's running listeners (HTTP listeners by name, TCP routes as <c>tcp:NAME</c>): their actors and bound
/// addresses. Config revisions add and remove listeners while the node runs (O6); graceful shutdown, the admin
/// status and <see cref="ProxyNode.Listeners"/> read the set as it is at that moment.
/// </summary>
public sealed class ListenerSet
{
    private ImmutableDictionary<string, IPEndPoint> _endPoints = ImmutableDictionary.Create<string, IPEndPoint>(StringComparer.Ordinal);
    private ImmutableDictionary<string, IActorRef> _actors = ImmutableDictionary.Create<string, IActorRef>(StringComparer.Ordinal);

    public ListenerSet(IReadOnlyDictionary<string, IPEndPoint> bound)
    {
        _endPoints = _endPoints.AddRange(bound);
    }

    /// <summary>Bound address of each listener by name (real ports when configured with port 0).</summary>
    public IReadOnlyDictionary<string, IPEndPoint> EndPoints => Volatile.Read(ref _endPoints);

    /// <summary>Every listener's actor (what graceful shutdown stops and drains).</summary>
    public IReadOnlyCollection<IActorRef> Actors => Volatile.Read(ref _actors).Values.ToList();

    public IActorRef? ActorOf(string name) => Volatile.Read(ref _actors).GetValueOrDefault(name);

    public void Started(string name, IActorRef actor, IPEndPoint endPoint)
    {
        ImmutableInterlocked.Update(ref _actors, (actors, entry) => actors.SetItem(entry.name, entry.actor), (name, actor));
        ImmutableInterlocked.Update(ref _endPoints, (endPoints, entry) => endPoints.SetItem(entry.name, entry.endPoint), (name, endPoint));
    }

    /// <summary>The listener is gone from the configuration (its actor drains and stops on its own).</summary>
    public void Removed(string name)
    {
        ImmutableInterlocked.Update(ref _actors, (actors, n) => actors.Remove(n), name);
        ImmutableInterlocked.Update(ref _endPoints, (endPoints, n) => endPoints.Remove(n), name);
    }
}
