using Akka.Actor;
using Akka.Configuration;
using Proxy.Actors.Persistence;
using Proxy.Actors.Serialization;
using Proxy.Shared.Configuration;
using Proxy.Shared.Pools;

namespace Proxy.Tests.Persistence;

/// <summary>ActorSystems configured the way a node is: our serializer bindings and <see cref="PersistenceHocon"/>.</summary>
public static class PersistenceSystems
{
    public static ActorSystem Start(string name, ProxySettings settings, string workingDirectory) =>
        ActorSystem.Create(name, ConfigurationFactory.ParseString("akka.loglevel = WARNING")
            .WithFallback(ProxySerializationHocon.Config)
            .WithFallback(PersistenceHocon.Create(settings, workingDirectory)));

    public static ProxySettings Sqlite(string dataDir) => new() { DataDir = dataDir };

    public static ProxySettings PostgreSql(string connectionString) => new()
    {
        Persistence = new PersistenceSettings { Provider = PersistenceProvider.PostgreSql, ConnectionString = connectionString },
    };

    /// <summary>Persists <paramref name="events"/> through a fresh <see cref="EventLogActor"/>, one at a time.</summary>
    public static async Task AppendAsync(ActorSystem system, string persistenceId, IEnumerable<IBackendPoolEvent> events)
    {
        var actor = system.ActorOf(EventLogActor.Props(persistenceId));
        foreach (var e in events) await actor.Ask<EventLogActor.Appended>(new EventLogActor.Append(e), TimeSpan.FromSeconds(20));
    }

    /// <summary>What a fresh <see cref="EventLogActor"/> with <paramref name="persistenceId"/> recovers.</summary>
    public static async Task<EventLogActor.Events> RecoverAsync(ActorSystem system, string persistenceId)
    {
        var actor = system.ActorOf(EventLogActor.Props(persistenceId));
        return await actor.Ask<EventLogActor.Events>(EventLogActor.GetEvents.Instance, TimeSpan.FromSeconds(20));
    }
}
