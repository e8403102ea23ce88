using Akka.Actor;
using Akka.Cluster;

namespace Proxy.Actors.Admin;

/// <summary>Asks the same node-local actor (<c>/user/NAME</c>) on every Up member at once; a member that does not answer
/// within the timeout is listed with no answer (the admin API names it rather than failing the whole query).</summary>
public static class MemberFanOut
{
    public static async Task<IReadOnlyList<(Address Member, T? Answer)>> AskEveryUpMemberAsync<T>(ActorSystem system, string actor,
        object message, TimeSpan timeout) where T : class
    {
        var members = Cluster.Get(system).State.Members.Where(m => m.Status == MemberStatus.Up).Select(m => m.Address).ToList();
        return await Task.WhenAll(members.Select(async address =>
        {
            try
            {
                return (address, (T?)await system.ActorSelection(new RootActorPath(address) / "user" / actor)
                    .Ask<T>(message, timeout).ConfigureAwait(false));
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return (address, (T?)null);
            }
        })).ConfigureAwait(false);
    }
}
