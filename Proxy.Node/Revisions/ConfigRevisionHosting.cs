using Akka.Cluster.Hosting;
using Akka.Hosting;
using Proxy.Actors.ConfigRevisions;

namespace Proxy.Node.Revisions;

/// <summary>The proxy to the cluster's <see cref="ConfigRevisionStore"/> singleton in the actor registry.</summary>
public sealed class ConfigRevisionStoreKey;

public static class ConfigRevisionHosting
{
    /// <summary>O6: the config revision store, one per cluster (on the oldest <c>proxy</c> member), with a proxy on every node.</summary>
    public static AkkaConfigurationBuilder WithConfigRevisionStore(this AkkaConfigurationBuilder akka) =>
        akka.WithSingleton<ConfigRevisionStoreKey>("config-revisions", ConfigRevisionStore.Props(),
            // The proxy's own identification warning fires within seconds of every start (before the oldest member's
            // manager has started the singleton) and again on shutdown; the config agent says when the store stays silent.
            new ClusterSingletonOptions { Role = "proxy", LogSingletonIdentificationFailure = false }, createProxyToo: true);
}
