using Akka.Configuration;
using Proxy.Shared.Configuration;

namespace Proxy.Node.Hosting;

/// <summary>Akka settings the node needs whatever the config file says (the file's own values win).</summary>
public static class NodeHocon
{
    public static Config Defaults(ProxySettings settings)
    {
        // service-requests-done holds the drain: it must outlast the shutdown deadline.
        var drain = (int)settings.ShutdownDeadline.TotalSeconds + 5;
        return ConfigurationFactory.ParseString($$"""
            proxy-connection-dispatcher {
              type = Dispatcher
              executor = "Proxy.Actors.Transport.IoInlineExecutorConfigurator, Proxy.Actors"
              throughput = 30
            }
            akka {
              coordinated-shutdown {
                exit-clr = off
                run-by-clr-shutdown-hook = on
                phases {
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
              }
              remote.dot-netty.tcp {
                maximum-frame-size = 4MB
              }
            }
            """);
    }
}
