using System.Threading.Channels;
using Akka.Actor;

namespace Proxy.Actors.Admin;

/// <summary>
/// The reply address of an actor tree walk (<see cref="ActorHierarchyQuery"/>): every <see cref="ActorIdentity"/> it
/// receives goes into the walk's channel. An Ask takes one reply; an <c>Identify</c> sent to <c>PATH/*</c> gets one
/// from each child. Stopping it completes the channel.
/// </summary>
public sealed class ActorIdentityCollector : ReceiveActor
{
    private readonly ChannelWriter<ActorIdentity> _identities;

    public ActorIdentityCollector(ChannelWriter<ActorIdentity> identities)
    {
        _identities = identities;
        Receive<ActorIdentity>(identity => _identities.TryWrite(identity));
    }

    public static Props Props(ChannelWriter<ActorIdentity> identities) =>
        Akka.Actor.Props.Create(() => new ActorIdentityCollector(identities));

    protected override void PostStop() => _identities.TryComplete();
}
