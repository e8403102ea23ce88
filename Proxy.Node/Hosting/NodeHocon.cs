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
              # A connection actor's queue: ~1 KB less per open connection than Akka's default.
              mailbox-type = "Proxy.Actors.Connections.ConnectionMailbox, Proxy.Actors"
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
              # Akka's fallback logger prints plain text to stdout (before the node's logger starts and after it
              # stops, e.g. "Remoting shut down"): stdout is the access log's, and every node line goes through the
              # one logger (text or JSON on stderr).
              stdout-loglevel = OFF
              coordinated-shutdown {
                exit-clr = off
                run-by-clr-shutdown-hook = on
                phases {
                  before-service-unbind { timeout = {{drainDelay}}s }
                  service-unbind { timeout = 5s }
                  service-requests-done { timeout = {{drain}}s }
                  # Waits until the leader has marked this node Exiting and the singletons (the sharding
                  # coordinators) here have handed over. Shards have already moved (cluster-sharding-shutdown-region)
                  # and a quarter-second leader tick marks Exiting in well under a second. When the oldest and the
                  # next oldest leave together, the oldest's coordinators wait for a hand-over request from a node
                  # that is itself leaving until the removal margin runs out (Akka's default 10 s phase timeout
                  # was hit): after 1 s the node goes; the new oldest starts the coordinators after its margin.
                  cluster-exiting { timeout = 1s }
                }
              }
              cluster {
                # Leaving -> Exiting -> Removed are leader actions: at the default 1 s tick a planned leave waits
                # up to a second per step; a quarter of that costs nothing in a cluster of a few nodes.
                leader-actions-interval = 250ms
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                # A crashed node is unreachable after the failure detector's 3 s pause (heartbeats every 1 s),
                # downed by the split-brain resolver once membership has been stable for stable-after, and its
                # singletons (the sharding coordinators) start elsewhere after the same margin. Akka's 20 s
                # default is sized for clusters of hundreds of nodes; Akka's guidance for a few nodes is ~7 s,
                # which brings a killed entity host's pools back on a survivor in well under 30 s.
                split-brain-resolver {
                  active-strategy = keep-majority
                  stable-after = 7s
                }
                run-coordinated-shutdown-when-down = on
                # The shard regions' settings (role, ddata, no remembered entities, no passivation) are in
                # ShardRegions, where the regions are registered.
              }
              remote.dot-netty.tcp {
                maximum-frame-size = 4MB
              }
              # At the end of a shutdown remoting flushes every association; one to a node that is itself gone
              # (two nodes leaving together) waited the full 2 s default. What is left to send then is best-effort
              # gossip of a node already removed.
              remote.flush-wait-on-shutdown = 500ms
            }
            """)
            .WithFallback(ProxySerializationHocon.Config)
            .WithFallback(PersistenceHocon.Create(settings));
    }
}
