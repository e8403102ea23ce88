using Akka.Configuration;
using Proxy.Actors.Persistence;
using Proxy.Actors.Serialization;
using Proxy.Shared.Configuration;

namespace Proxy.Node.Hosting;

/// <summary>Akka settings the node needs whatever the config file says (the file's own values win).</summary>
public static class NodeHocon
{
    /// <remarks>For SQLite persistence this creates the data directory (<see cref="PersistenceHocon.Create(ProxySettings)"/>).</remarks>
    public static Config Defaults(ProxySettings settings)
    {
        // before-service-unbind holds the drain delay and service-requests-done the in-flight drain: each phase
        // must outlast what it waits for.
        var drainDelay = (int)settings.Shutdown.DrainDelay.TotalSeconds + 5;
        var drain = (int)settings.Shutdown.Timeout.TotalSeconds + 5;
        return ConfigurationFactory.ParseString($$"""
            proxy-connection-dispatcher {
              type = Dispatcher
              executor = "Proxy.Actors.Transport.IoInlineExecutorConfigurator, Proxy.Actors"
              throughput = 30
            }
            akka {
              # Every connection arms a head/idle timeout on the scheduler's hashed wheel. A cancelled
              # registration stays in its bucket, holding the connection's actor and graph, until the wheel
              # next passes that bucket: with the default 512 x 10 ms that is up to 5.1 s, so after a
              # Connection: close burst thousands of closed connections stayed reachable past the point where
              # the node trims memory (scripts/churn-check.sh). 64 buckets turn the wheel every 640 ms; long
              # delays only cost more bucket visits (a 75 s idle timeout is visited ~120 times).
              scheduler.ticks-per-wheel = 64
              # Gossip and hand-off messages that reach a node after it left are expected; not worth a log line.
              log-dead-letters-during-shutdown = off
              coordinated-shutdown {
                exit-clr = off
                run-by-clr-shutdown-hook = on
                phases {
                  before-service-unbind { timeout = {{drainDelay}}s }
                  service-unbind { timeout = 5s }
                  service-requests-done { timeout = {{drain}}s }
                }
              }
              cluster {
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = keep-majority
                  stable-after = 20s
                }
                run-coordinated-shutdown-when-down = on
                # Entities (BackendPool, later RateLimiter) live on the proxy nodes, are never passivated
                # (a pool entity runs the pool's health checks) and are re-created on demand after a hand-off,
                # so sharding keeps no state of its own beyond distributed data.
                sharding {
                  role = proxy
                  state-store-mode = ddata
                  remember-entities = off
                  passivate-idle-entity-after = off
                }
              }
              remote.dot-netty.tcp {
                maximum-frame-size = 4MB
              }
            }
            """)
            .WithFallback(ProxySerializationHocon.Config)
            .WithFallback(PersistenceHocon.Create(settings));
    }
}
