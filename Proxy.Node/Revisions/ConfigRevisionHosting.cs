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
            new ClusterSingletonOptions { Role = "proxy" }, createProxyToo: true);
}
